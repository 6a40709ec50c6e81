/* config_schema.c - every key an experiment file may set: type, default, range, method, doc.
 *
 * One row per leaf key path. Rows of one section must stay contiguous (config_print_yaml nests
 * them in this order). A row with .method set applies only when method.name equals it; the list
 * of methods lives in one place, METHODS below, and every .method must name one of them.
 * experiments/README.md shows this table (regenerate it with `test_config --schema-md`).
 */
#include "config.h"

/* The balancing methods, in the order they are documented. Add a method here, then its
 * method.* rows below (with .method = "name"). */
#define METHODS "vanilla|miles"

#define NOLIMIT .lo = 1, .hi = 0

#define INT_KEY(p, d, l, h, m, text) \
    { .path = p, .type = CFG_INT, .method = m, .def = d, .lo = l, .hi = h, .doc = text }
#define DBL_KEY(p, d, l, h, open, m, text)                                                    \
    { .path = p, .type = CFG_DOUBLE, .method = m, .def = d, .lo = l, .hi = h, .lo_open = open, \
      .doc = text }
#define ENUM_KEY(p, d, values, m, text) \
    { .path = p, .type = CFG_ENUM, .method = m, .def = d, NOLIMIT, .enum_values = values, .doc = text }
#define BOOL_KEY(p, d, m, text) \
    { .path = p, .type = CFG_BOOL, .method = m, .def = d, NOLIMIT, .doc = text }
#define STR_KEY(p, d, text) \
    { .path = p, .type = CFG_STRING, .def = d, NOLIMIT, .doc = text }
#define LIST_KEY(p, d, l, h, most, text) \
    { .path = p, .type = CFG_INT_LIST, .def = d, .lo = l, .hi = h, .max_items = most, .doc = text }

/* The per-modality encoder keys; X is "a" or "b". */
#define ENCODER_KEYS(X, NAME)                                                                  \
    ENUM_KEY("model." X ".preset", "resnet10", "resnet6|resnet10|resnet18|resnet50|custom", NULL, \
             "encoder of modality " NAME ": ResNet preset; custom = no preset, set block, "       \
             "blocks, base_width and stem"),                                                   \
    ENUM_KEY("model." X ".block", "preset", "preset|basic|bottleneck", NULL,                   \
             "residual block of encoder " NAME " (preset = the preset's)"),                   \
    LIST_KEY("model." X ".blocks", "[]", 1, 64, 4,                                            \
             "blocks per stage of encoder " NAME ", 1-4 stages ([] = the preset's)"),         \
    INT_KEY("model." X ".base_width", "0", 0, 4096, NULL,                                     \
            "channels of encoder " NAME "'s first stage (0 = the preset's, 64)"),            \
    ENUM_KEY("model." X ".stem", "preset", "preset|imagenet|small", NULL,                      \
             "stem of encoder " NAME ": imagenet = 7x7/2 conv + max-pool, small = 3x3/1 conv "  \
             "(preset = the preset's)")

const cfg_key cfg_schema[] = {
    ENUM_KEY("dataset.name", NULL, "smnist", NULL,
             "dataset to train on"),
    STR_KEY("dataset.cache", NULL,
            "path of the HDF5 cache made by `miles prepare`"),

    ENCODER_KEYS("a", "A"),
    ENCODER_KEYS("b", "B"),
    ENUM_KEY("model.fusion", "concat", "concat|sum", NULL,
             "how the two encoders' features are fused"),
    BOOL_KEY("model.aux_heads", "true", NULL,
             "build one auxiliary unimodal head per encoder"),

    INT_KEY("train.epochs", "50", 1, 100000, NULL, "training epochs"),
    INT_KEY("train.batch_size", "64", 1, 65536, NULL, "training batch size"),
    INT_KEY("train.eval_batch_size", "256", 1, 65536, NULL,
            "batch size for validation and test"),
    ENUM_KEY("train.optimizer", "adam", "adam|sgd", NULL, "optimizer"),
    DBL_KEY("train.lr", "1e-3", 0, 10, 1, NULL,
            "global learning rate (alpha_AB), initial LR of every parameter group"),
    DBL_KEY("train.beta1", "0.9", 0, 0.999999, 0, NULL, "Adam beta1"),
    DBL_KEY("train.beta2", "0.999", 0, 0.999999, 0, NULL, "Adam beta2"),
    DBL_KEY("train.eps", "1e-8", 0, 1, 0, NULL, "Adam epsilon"),
    DBL_KEY("train.momentum", "0.9", 0, 1, 0, NULL, "SGD momentum"),
    DBL_KEY("train.weight_decay", "0", 0, 1, 0, NULL,
            "L2 penalty added to the gradient (as torch.optim.Adam/SGD)"),
    INT_KEY("train.seed", "0", 0, 2147483647, NULL,
            "seed of weight init, shuffling and noise"),
    ENUM_KEY("train.device", "auto", "auto|cpu|cuda", NULL,
             "where to train (auto = cuda when available)"),
    INT_KEY("train.threads", "0", 0, 256, NULL, "CPU threads (0 = all cores)"),

    ENUM_KEY("method.name", "vanilla", METHODS, NULL,
             "balancing method; the method.* keys below belong to the method they name"),
    BOOL_KEY("method.aux_loss", "true", "vanilla",
             "train the unimodal heads with the Eq. 3 losses too (false = fused loss only)"),
    DBL_KEY("method.tau", "0.2", 0, 1, 0, "miles",
            "threshold tau on delta = |u_A - u_B| below which no LR is changed"),
    DBL_KEY("method.mu", "0.5", 0, 1, 1, "miles",
            "factor mu: the dominant encoder's LR becomes mu * train.lr"),
    ENUM_KEY("method.metrics_from", "val", "val|train", "miles",
             "split whose per-epoch metrics give u_A and u_B"),
    ENUM_KEY("method.reading", "reset", "reset|literal", "miles",
             "Algorithm 1's non-adjusted modality: reset = back to train.lr, literal = "
             "left as it was"),
    ENUM_KEY("method.lr_follows", "encoder", "encoder|encoder_and_head", "miles",
             "parameters that take a modality's LR: its encoder, or its encoder and "
             "auxiliary head"),

    STR_KEY("output.dir", "results/run", "directory the run writes its results to"),
};

const size_t cfg_schema_len = sizeof cfg_schema / sizeof cfg_schema[0];
