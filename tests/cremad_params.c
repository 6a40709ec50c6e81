/* cremad_params.c - the parameter counts of the paper's CREMA-D encoders as the shim builds
 * them: ResNet-18 on the 1-channel spectrogram (modality a) and on the 3-channel frame
 * (modality b), at 224x224. tests/test_cremad_params.sh compares them with torchvision.
 *
 * usage: cremad-params    prints "audio N" and "video N"; exit 1 when the shim fails. */
#include <stdio.h>
#include <string.h>

#include "mt.h"

int main(void) {
    mt_model_spec s;
    mt_spec_init(&s);
    for (int k = 0; k < 2; k++) {
        s.enc[k].preset = "resnet18";
        s.enc[k].in_channels = k ? 3 : 1;
        s.enc[k].height = s.enc[k].width = 224;
    }
    s.num_classes = 6;
    s.device = MT_DEVICE_CPU;
    s.threads = 1;
    mt_model *m = NULL;
    int64_t n[2] = {0, 0};
    if (mt_model_create(&s, &m) || mt_param_count(m, MT_GROUP_A, &n[0]) || mt_param_count(m, MT_GROUP_B, &n[1])) {
        fprintf(stderr, "cremad-params: %s\n", mt_last_error());
        return 1;
    }
    printf("audio %lld\nvideo %lld\n", (long long)n[0], (long long)n[1]);
    mt_model_free(m);
    return 0;
}
