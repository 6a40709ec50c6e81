#!/usr/bin/env bash
# test_cremad_params.sh BUILD_DIR - the shim's CREMA-D encoders (tests/cremad_params.c) have
# torchvision's parameter counts, computed here with Debian's python3-torch/torchvision:
# resnet18 without its fc layer (the encoder ends at the pooled feature), and for the audio
# encoder resnet18 with conv1 replaced by Conv2d(1, 64, 7, stride 2, padding 3, bias=False).
# By hand: 11,176,512 (3 channels) - 7*7*64*(3-1) = 11,170,240 (1 channel).
set -u
B=${1:?usage: test_cremad_params.sh BUILD_DIR}
PY=${MILES_REF_PYTHON:-/usr/bin/python3}
mine=$("$B/tests/cremad-params") || { echo "FAIL: cremad-params"; exit 1; }
ref=$("$PY" - <<'PYTHON'
import torch, torchvision
def encoder(channels):
    m = torchvision.models.resnet18()
    if channels == 1:
        m.conv1 = torch.nn.Conv2d(1, 64, kernel_size=7, stride=2, padding=3, bias=False)
    m.fc = torch.nn.Identity()
    return sum(p.numel() for p in m.parameters())
print(f"audio {encoder(1)}\nvideo {encoder(3)}")
PYTHON
) || { echo "FAIL: the torchvision reference did not run"; exit 1; }
echo "shim:        $(echo $mine)"
echo "torchvision: $(echo $ref)"
[ "$mine" = "$ref" ] || { echo "FAIL: the counts differ"; exit 1; }
[ "$(echo "$ref" | head -1)" = "audio 11170240" ] || { echo "FAIL: torchvision's 1-channel count is not the hand count 11,170,240"; exit 1; }
echo "test_cremad_params: ok"
