/* config_schema.c - every key an experiment file may set: type, default, range, method, doc.
 *
 * One row per leaf key path. Rows of one section must stay contiguous (config_print_yaml nests
 * them in this order). A row with .method set applies only when method.name equals it; the
 * methods are core/catalog.h's list, and every .method must name one of them (test_config).
 * experiments/README.md shows this table (regenerate it with `test_config --schema-md`).
 */
#include "core/config.h"

#include "core/catalog.h"

/* Add a method in catalog.h, then its method.* rows below (.method = "name", or several names
 * joined by '|'). */
#define METHODS MILES_METHOD_NAMES_PIPED

#define NOLIMIT .lo = 1, .hi = 0

#define INT_KEY(p, d, l, h, m, text) \
    { .path = p, .type = CFG_INT, .method = m, .def = d, .lo = l, .hi = h, .doc = text }
#define DBL_KEY(p, d, l, h, open, m, text) \
    { .path = p, .type = CFG_DOUBLE, .method = m, .def = d, .lo = l, .hi = h, .lo_open = open, .doc = text }
#define ENUM_KEY(p, d, values, m, text) \
    { .path = p, .type = CFG_ENUM, .method = m, .def = d, NOLIMIT, .enum_values = values, .doc = text }
#define BOOL_KEY(p, d, m, text) \
    { .path = p, .type = CFG_BOOL, .method = m, .def = d, NOLIMIT, .doc = text }
#define STR_KEY(p, d, text) \
    { .path = p, .type = CFG_STRING, .def = d, NOLIMIT, .doc = text }
#define STR_KEY_M(p, d, m, text) \
    { .path = p, .type = CFG_STRING, .method = m, .def = d, NOLIMIT, .doc = text }
#define LIST_KEY(p, d, l, h, most, text) \
    { .path = p, .type = CFG_INT_LIST, .def = d, .lo = l, .hi = h, .max_items = most, .doc = text }

/* The per-modality encoder keys; X is "a" or "b". */
#define ENCODER_KEYS(X, NAME)                                                                                         \
    ENUM_KEY("model." X ".preset", "resnet10", "resnet6|resnet10|resnet18|resnet50|bert-tiny|bert-base|custom", NULL, \
             "encoder of modality " NAME ": a ResNet preset, or a BERT (a text modality's "                           \
             "tokens); custom = no preset, a ResNet with block, blocks, base_width and stem"),                        \
        ENUM_KEY("model." X ".block", "preset", "preset|basic|bottleneck", NULL,                                      \
                 "residual block of encoder " NAME " (preset = the preset's)"),                                       \
        LIST_KEY("model." X ".blocks", "[]", 1, 64, 4,                                                                \
                 "blocks per stage of encoder " NAME ", 1-4 stages ([] = the preset's)"),                             \
        INT_KEY("model." X ".base_width", "0", 0, 4096, NULL,                                                         \
                "channels of encoder " NAME "'s first stage (0 = the preset's, 64)"),                                 \
        ENUM_KEY("model." X ".stem", "preset", "preset|imagenet|small", NULL,                                         \
                 "stem of encoder " NAME ": imagenet = 7x7/2 conv + max-pool, small = 3x3/1 conv "                    \
                 "(preset = the preset's)"),                                                                          \
        INT_KEY("model." X ".vocab_size", "0", 0, 10000000, NULL,                                                     \
                "BERT encoder " NAME ": word-piece vocabulary size (0 = the preset's, 30522); "                       \
                "the dataset's token ids must lie below it"),                                                         \
        ENUM_KEY("model." X ".bert_output", "pooler", "pooler|cls", NULL,                                             \
                 "BERT encoder " NAME "'s feature for fusion: the tanh pooler (Hugging Face's "                       \
                 "pooler_output) or the last [CLS] hidden state"),                                                    \
        STR_KEY("model." X ".weights", "\"\"",                                                                        \
                "safetensors file of pretrained weights for encoder " NAME " (torchvision names "                     \
                "for a ResNet, Hugging Face names for a BERT; strict: every missing, unexpected "                     \
                "or wrong-shaped tensor is an error, exit 3); \"\" = trained from scratch"),                          \
        INT_KEY("model." X ".freeze_epochs", "0", 0, 100000, NULL,                                                    \
                "encoder " NAME " is frozen (no updates, batch norm in eval mode) for the first "                     \
                "this many epochs, then trains at its group's LR")

const cfg_key cfg_schema[] = {
    ENUM_KEY("dataset.name", NULL, "smnist|luma|cremad|mlsynth|mmimdb", NULL, "dataset to train on"),
    STR_KEY("dataset.cache", NULL, "path of the HDF5 cache made by `miles prepare`"),
    INT_KEY("dataset.input_size", "0", 0, 1024, NULL,
            "side of the square input both encoders see, resized bilinearly at batch time (0 = the "
            "cache's stored shapes; the paper's CREMA-D: 224)"),
    ENUM_KEY("dataset.augment", "none", "none|crop_flip", NULL,
             "training transform of the uint8 (image) modalities: crop_flip = OGM-GE's random resized "
             "crop (area 0.08-1, ratio 3/4-4/3) + horizontal flip, drawn from train.seed, the epoch and "
             "the sample; validation and test are only resized"),

    ENCODER_KEYS("a", "A"),
    ENCODER_KEYS("b", "B"),
    ENUM_KEY("model.fusion", "concat", "concat|sum", NULL, "how the two encoders' features are fused"),
    BOOL_KEY("model.aux_heads", "true", NULL, "build one auxiliary unimodal head per encoder"),

    INT_KEY("train.epochs", "50", 1, 100000, NULL, "training epochs"),
    INT_KEY("train.batch_size", "64", 1, 65536, NULL, "training batch size"),
    INT_KEY("train.eval_batch_size", "256", 1, 65536, NULL, "batch size for validation and test"),
    ENUM_KEY("train.optimizer", "adam", "adam|sgd", NULL, "optimizer"),
    DBL_KEY("train.lr", "1e-3", 0, 10, 1, NULL, "global learning rate (alpha_AB), initial LR of every parameter group"),
    DBL_KEY("train.beta1", "0.9", 0, 0.999999, 0, NULL, "Adam beta1"),
    DBL_KEY("train.beta2", "0.999", 0, 0.999999, 0, NULL, "Adam beta2"),
    DBL_KEY("train.eps", "1e-8", 0, 1, 0, NULL, "Adam epsilon"),
    DBL_KEY("train.momentum", "0.9", 0, 1, 0, NULL, "SGD momentum"),
    DBL_KEY("train.weight_decay", "0", 0, 1, 0, NULL, "L2 penalty added to the gradient (as torch.optim.Adam/SGD)"),
    INT_KEY("train.seed", "0", 0, 2147483647, NULL, "seed of weight init, shuffling and noise"),
    ENUM_KEY("train.device", "auto", "auto|cpu|cuda", NULL, "where to train (auto = cuda when available)"),
    INT_KEY("train.threads", "0", 0, 256, NULL, "CPU threads (0 = all cores)"),
    ENUM_KEY("train.precision", "fp32", "fp32|bf16|fp16", NULL,
             "forward precision: fp32, or autocast to bf16 / fp16 with float32 master weights (fp16 "
             "adds a dynamic loss scale; on the CPU its forward stays fp32)"),
    ENUM_KEY("train.metric", "auto", "auto|accuracy|f1_micro|f1_macro|f1_weighted|f1_samples", NULL,
             "task metric of model selection, MILES's u and the tables: auto = the dataset's "
             "(accuracy, or f1_micro for a multilabel dataset); the F1s are for multilabel "
             "datasets, at threshold 0.5"),

    ENUM_KEY("method.name", "vanilla", METHODS, NULL,
             "balancing method; the method.* keys below belong to the method they name"),
    BOOL_KEY("method.aux_loss", "true", "vanilla|mslr_keep|mslr_smooth|mslr_dynamic|ogm|ogm_ge",
             "train auxiliary unimodal heads with the Eq. 3 losses (false = fused loss only; the "
             "model then has no auxiliary heads and the unimodal metrics come from the fusion "
             "layer's slices, as in the OGM-GE reference)"),
    DBL_KEY("method.tau", "0.2", 0, 1, 0, "miles", "threshold tau on delta = |u_A - u_B| below which no LR is changed"),
    DBL_KEY("method.mu", "0.5", 0, 1, 1, "miles", "factor mu: the dominant encoder's LR becomes mu * train.lr"),
    ENUM_KEY("method.metrics_from", "val", "val|train", "miles", "split whose per-epoch metrics give u_A and u_B"),
    ENUM_KEY("method.reading", "reset", "reset|literal", "miles",
             "Algorithm 1's non-adjusted modality: reset = back to train.lr, literal = "
             "left as it was"),
    ENUM_KEY("method.lr_follows", "encoder", "encoder|encoder_and_head", "miles|mslr_keep|mslr_smooth|mslr_dynamic",
             "parameters that take a modality's LR: its encoder, or its encoder and "
             "auxiliary head"),
    DBL_KEY("method.lr_a", "0", 0, 10, 0, "mslr_keep|mslr_smooth|mslr_dynamic",
            "best unimodal LR of modality A (0 = read it from method.lr_a_from)"),
    DBL_KEY("method.lr_b", "0", 0, 10, 0, "mslr_keep|mslr_smooth|mslr_dynamic",
            "best unimodal LR of modality B (0 = read it from method.lr_b_from)"),
    STR_KEY_M("method.lr_a_from", "\"\"", "mslr_keep|mslr_smooth|mslr_dynamic",
              "unimodal run or sweep directory (method unimodal, modality a): its best trial's "
              "train.lr is modality A's LR"),
    STR_KEY_M("method.lr_b_from", "\"\"", "mslr_keep|mslr_smooth|mslr_dynamic",
              "unimodal run or sweep directory for modality B (see lr_a_from)"),
    ENUM_KEY("method.smooth", "global", "global|keep_mean", "mslr_smooth",
             "MSLR-S rule: LR_m = sqrt(LR_keep_m * x), x = train.lr (global) or the geometric "
             "mean of the two keep LRs (keep_mean)"),
    INT_KEY("method.window", "5", 1, 1000, "mslr_dynamic",
            "MSLR-D window w: LR_m = LR_keep_m * M_t / mean(M over the previous w epochs)"),
    DBL_KEY("method.clip", "0", 0, 1000, 0, "mslr_dynamic",
            "clip the MSLR-D ratio to [1/clip, clip] (0 = no clip, as in the paper)"),
    DBL_KEY("method.alpha", "0.3", 0, 10, 0, "ogm|ogm_ge",
            "OGM modulation strength: k = 1 - tanh(alpha * rho) for the dominant modality"),
    INT_KEY("method.modulation_start", "0", 0, 100000, "ogm|ogm_ge",
            "first epoch of gradient modulation, counted from 0 as in the OGM-GE reference "
            "(epochs.csv shows it as epoch + 1)"),
    INT_KEY("method.modulation_end", "50", 0, 100000, "ogm|ogm_ge",
            "last epoch of gradient modulation (inclusive, counted from 0)"),
    ENUM_KEY("method.scores", "slice", "slice|aux", "ogm|ogm_ge",
             "unimodal scores for rho: fusion-layer slices (the OGM-GE reference) or the "
             "auxiliary heads"),
    ENUM_KEY("method.rho_one", "paper", "paper|reference", "ogm|ogm_ge",
             "at rho exactly 1: paper = no modulation, reference = damp modality A by "
             "1 - tanh(alpha) as the OGM-GE code does"),
    ENUM_KEY("method.params", "conv", "conv|all", "ogm|ogm_ge",
             "gradients modulated: conv = 4-D convolution weights (the reference), all = every "
             "encoder parameter"),
    DBL_KEY("method.noise", "1", 0, 100, 0, "ogm_ge", "GE noise std as a multiple of the unscaled gradient's std"),
    INT_KEY("method.patience", "5", 1, 100000, "mses",
            "epochs without improvement of a modality's head before it stops"),
    DBL_KEY("method.min_delta", "0", 0, 1, 0, "mses",
            "improvement of a head's validation metric that resets its patience"),
    INT_KEY("method.min_epochs", "0", 0, 100000, "mses", "no modality stops before this many epochs"),
    ENUM_KEY("method.variant", "offline", "offline|online", "gblend",
             "offline: weights estimated once from the initial model; online: re-estimated "
             "every super_epoch epochs"),
    INT_KEY("method.super_epoch", "5", 1, 100000, "gblend",
            "epochs each estimate trains its copies (and the online re-estimation period)"),
    DBL_KEY("method.holdout", "0.08", 0, 0.5, 1, "gblend",
            "share of the training split held out as V for the estimate (not trained on)"),
    ENUM_KEY("method.negative_gain", "abs", "abs|zero", "gblend",
             "a head whose held-out loss rose (dG < 0): abs = |dG| as the public "
             "implementations, zero = weight 0"),
    DBL_KEY("method.eps", "1e-4", 0, 1, 1, "gblend", "lower bound on |dO| in w = dG / dO^2"),
    ENUM_KEY("method.modality", "a", "a|b", "unimodal", "the encoder trained alone (with its head)"),

    STR_KEY("output.dir", "results/run", "directory the run writes its results to"),
};

const size_t cfg_schema_len = sizeof cfg_schema / sizeof cfg_schema[0];
