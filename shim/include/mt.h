/* mt.h - the C API of the miles LibTorch shim.
 *
 * Builds, trains, evaluates, modulates and checkpoints a two-modality joint-fusion network
 * (two encoders, each a ResNet or a BERT, concat or sum fusion, a fused head and optional
 * auxiliary unimodal heads), and moves encoder weights in and out as safetensors files under
 * torchvision's and Hugging Face's names, without exposing any C++ to the caller. Only plain C types cross this boundary: opaque
 * handles, integers, floats and plain structs. Every call returns an mt_status; on failure
 * mt_last_error() holds a message for the calling thread. No exception ever escapes.
 *
 * Parameter groups: MT_GROUP_A (encoder A), MT_GROUP_B (encoder B), MT_GROUP_FUSION (fusion,
 * projection and every head). With spec.heads_follow_encoders set, auxiliary head A belongs to
 * group A and head B to group B instead.
 *
 * Heads are indexed MT_HEAD_FUSED, MT_HEAD_A, MT_HEAD_B. When the model has no auxiliary heads,
 * heads A and B are the fusion layer's slices (concat: W[:, :d_A] z_A + b/2; sum: W z_A + b/2).
 *
 * A model is used by one thread at a time; different models may be used from different threads,
 * but intra-op thread count and the weight-initialisation seed are process-wide in LibTorch.
 */
#ifndef MT_H
#define MT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif
#if defined(__GNUC__)
#pragma GCC visibility push(default) /* the shim hides everything but this API */
#endif

#define MT_API_VERSION 3

typedef enum {
    MT_OK = 0,
    MT_EINVAL = 1,    /* invalid argument or spec (unknown preset, zero classes ...) */
    MT_ESHAPE = 2,    /* a batch whose shape or dtype does not match the spec */
    MT_ETORCH = 3,    /* LibTorch raised an error (the message is LibTorch's, trimmed) */
    MT_EIO = 4,       /* a checkpoint or weight file could not be read or written, or is not
                         a well-formed file of its format (truncated, lying header, bad JSON) */
    MT_EMISMATCH = 5, /* a checkpoint written for a different spec or format, or a weight file
                         whose tensors do not fit the encoder (missing, unexpected, wrong
                         shape or dtype: the message names every one) */
    MT_ESTATE = 6,    /* the call does not fit the model's state (restore without snapshot) */
    MT_EDEVICE = 7,   /* the requested device is not available */
    MT_ENOMEM = 8
} mt_status;

/* Message of the last call on this thread: empty after a success, the reason after a failure.
 * Valid until the next call on the same thread. */
const char *mt_last_error(void);
const char *mt_status_name(mt_status s);
/* LibTorch version the shim was built against, e.g. "1.13.1" or "2.4.0". */
const char *mt_torch_version(void);
/* 1 if LibTorch sees a usable CUDA device. */
int mt_cuda_available(void);
/* Share of device 0's memory this process may hold in LibTorch's CUDA caching allocator
 * (0 < fraction <= 1), for several processes training on one GPU: an allocation beyond it fails
 * with MT_ENOMEM-like LibTorch errors in this process instead of starving the others. A build
 * without CUDA, or a machine without a device, accepts the call and does nothing; a CUDA build
 * that lacked the CUDA runtime's headers fails with MT_EDEVICE on a device. */
mt_status mt_cuda_memory_fraction(double fraction);

/* The BLAS library LibTorch's CPU linear algebra calls, found among the libraries loaded into
 * the process (after symlinks, so Debian's alternatives are resolved): "OpenBLAS 0.3.21
 * (pthread)" and its path, "reference BLAS (netlib) ...", "MKL ..." or "none loaded (...)".
 * *reference (may be NULL) is set to 1 for the unoptimised reference BLAS, about 40x slower
 * than OpenBLAS on linear layers. The text stays valid for the life of the process. */
const char *mt_blas_info(int *reference);

/* ---- model specification ------------------------------------------------------------------ */

#define MT_MAX_STAGES   4
#define MT_MAX_CHANNELS 8

typedef enum { MT_BLOCK_PRESET = 0, MT_BLOCK_BASIC = 1, MT_BLOCK_BOTTLENECK = 2 } mt_block;
typedef enum { MT_STEM_PRESET = 0, MT_STEM_IMAGENET = 1, MT_STEM_SMALL = 2 } mt_stem;
typedef enum { MT_FUSION_CONCAT = 0, MT_FUSION_SUM = 1 } mt_fusion;
typedef enum { MT_OPTIM_ADAM = 0, MT_OPTIM_SGD = 1 } mt_optim_kind;
typedef enum { MT_DEVICE_AUTO = 0, MT_DEVICE_CPU = 1, MT_DEVICE_CUDA = 2 } mt_device;
/* U8 and F32: image-like input of a ResNet; I64 and I32: token input of a BERT. */
typedef enum { MT_DTYPE_U8 = 0, MT_DTYPE_F32 = 1, MT_DTYPE_I64 = 2, MT_DTYPE_I32 = 3 } mt_dtype;

/* Precision of the training and evaluation forward. FP32: float32 throughout. BF16 and FP16:
 * autocast, as torch.autocast does it (matrix products and convolutions in the lower precision,
 * reductions, normalisation and the losses in float32); the weights, gradients and optimizer
 * state stay float32 (master weights). FP16 adds a dynamic loss scale (torch.amp.GradScaler's
 * rule, see mt_amp_spec). LibTorch 1.13's CPU autocast knows bf16 only, so on the CPU FP16 runs
 * the forward in float32 with the loss scale still applied (which is how its logic is tested
 * without a GPU). mt_encoder_forward always runs in float32. */
typedef enum { MT_PRECISION_FP32 = 0, MT_PRECISION_BF16 = 1, MT_PRECISION_FP16 = 2 } mt_precision;

/* FP16's loss scale: backward runs on loss x scale; the gradients are divided by the scale right
 * after backward, so everything that reads or scales them (mt_scale_grad, mt_group_read_grads,
 * OGM) sees true gradients. A step whose gradients hold an inf or NaN is skipped by
 * mt_optimizer_step and the scale is multiplied by backoff; after growth_interval steps in a row
 * without one, the scale is multiplied by growth. Ignored by FP32 and BF16. */
typedef struct {
    mt_precision precision;
    double init_scale;   /* 0: 65536 (2^16) */
    double growth;       /* 0: 2 */
    double backoff;      /* 0: 0.5 */
    int growth_interval; /* 0: 2000 */
} mt_amp_spec;

/* What an encoder is. PRESET (0): what the preset says, a ResNet when there is no preset. */
typedef enum { MT_ENCODER_PRESET = 0, MT_ENCODER_RESNET = 1, MT_ENCODER_BERT = 2 } mt_encoder_kind;

/* The feature a BERT hands to fusion. POOLER (the default): tanh(W h_[CLS] + b), Hugging Face's
 * pooler_output, which BertForSequenceClassification feeds its classifier; the pooler's weights
 * are pretrained with the checkpoint and are part of BertModel's parameter count. CLS: the last
 * layer's [CLS] hidden state; the model then has no pooler, and pooler.* tensors of a weight file
 * are ignored. The MILES paper does not say which it used (spec/algorithms.md section 10). */
typedef enum { MT_BERT_OUTPUT_PRESET = 0, MT_BERT_OUTPUT_POOLER = 1, MT_BERT_OUTPUT_CLS = 2 } mt_bert_output;

/* A BERT encoder as Hugging Face's BertModel: word + position + token-type embeddings and
 * LayerNorm, `layers` post-LN blocks of multi-head self-attention and an exact (erf) GELU
 * feed-forward, then the output feature above. Fields at 0 take the preset's value, or without
 * a preset BertConfig's default where it has one (type_vocab_size 2, dropouts 0.1,
 * layer_norm_eps 1e-12, output pooler); the sizes have no default. Presets: "bert-base"
 * (30522 / 768 / 12 / 12 / 3072 / 512) and "bert-tiny" (30522 / 128 / 2 / 2 / 512 / 512, the
 * shape of Google's BERT-Tiny). Token id 0 is padding (its embedding row gets no gradient). */
typedef struct {
    int vocab_size;
    int hidden; /* hidden size, a multiple of heads */
    int layers;
    int heads;
    int intermediate;        /* feed-forward size */
    int max_positions;       /* longest sequence */
    int type_vocab_size;     /* token types (segments) */
    float hidden_dropout;    /* 0: default 0.1; negative: no dropout */
    float attention_dropout; /* 0: default 0.1; negative: no dropout */
    float layer_norm_eps;    /* 0: default 1e-12 */
    mt_bert_output output;
} mt_bert_spec;

/* One encoder. A preset ("resnet6", "resnet10", "resnet18", "resnet50", "bert-base",
 * "bert-tiny") gives the kind and structure; any structural field left at 0 (or *_PRESET) takes
 * the preset's value, any field set overrides it. With preset NULL or "", kind says what it is
 * and every structural field of that kind must be given. A ResNet ignores `bert`; a BERT
 * ignores every other field. */
typedef struct {
    const char *preset;
    mt_block block;
    int n_stages;              /* 1..4 */
    int blocks[MT_MAX_STAGES]; /* blocks per stage, each >= 1 */
    int base_width;            /* channels of the first stage (64 in torchvision) */
    mt_stem stem;              /* imagenet: 7x7/2 conv, BN, ReLU, 3x3/2 max-pool;
                                     small: 3x3/1 conv, BN, ReLU, no pool */
    /* input of one sample: channels x height x width (required) */
    int in_channels, height, width;
    /* normalisation, applied on the device: x' = (x * scale - mean[c]) / std[c].
     * scale 0 means 1/255 for uint8 input and 1 for float input; std[c] 0 means 1. */
    float scale;
    float mean[MT_MAX_CHANNELS];
    float std[MT_MAX_CHANNELS];
    mt_encoder_kind kind;
    mt_bert_spec bert;
} mt_encoder_spec;

typedef struct {
    mt_optim_kind kind;
    double lr;                /* initial LR of every group */
    double beta1, beta2, eps; /* adam */
    double momentum;          /* sgd */
    double weight_decay;      /* L2 added to the gradient, as torch.optim.Adam/SGD */
} mt_optim_spec;

typedef struct {
    mt_encoder_spec enc[2]; /* modality A, modality B */
    mt_fusion fusion;       /* sum with unequal feature sizes projects the wider one */
    int num_classes;
    int multilabel;            /* BCE-with-logits and float multi-hot targets */
    int aux_heads;             /* auxiliary unimodal heads (mt_spec_init sets 1) */
    int heads_follow_encoders; /* aux head A in group A, head B in group B (needs aux_heads) */
    mt_optim_spec optim;
    mt_device device;
    uint64_t seed;   /* weight init and the model's own generator (gradient noise,
                                     BERT dropout masks) */
    int threads;     /* intra-op threads; 0 leaves LibTorch's choice */
    mt_amp_spec amp; /* not part of a checkpoint's spec: a run may resume in another precision */
} mt_model_spec;

/* Defaults: aux heads on, concat, Adam(lr 1e-3, betas 0.9/0.999, eps 1e-8, wd 0),
 * SGD momentum 0, device auto, seed 0, threads 0. Encoders and num_classes are left empty. */
void mt_spec_init(mt_model_spec *spec);

/* Fill every preset-derived field of enc (validates the preset name). */
mt_status mt_encoder_resolve(mt_encoder_spec *enc);

/* Feature size of a (resolved or not) encoder spec (a BERT's is its hidden size). */
mt_status mt_encoder_feature_dim(const mt_encoder_spec *enc, int *dim);

/* ---- model lifecycle ---------------------------------------------------------------------- */

typedef struct mt_model mt_model;

enum { MT_GROUP_A = 0, MT_GROUP_B = 1, MT_GROUP_FUSION = 2, MT_NUM_GROUPS = 3, MT_GROUP_ALL = -1 };
enum { MT_HEAD_FUSED = 0, MT_HEAD_A = 1, MT_HEAD_B = 2, MT_NUM_HEADS = 3 };

/* On failure *out is set to NULL. */
mt_status mt_model_create(const mt_model_spec *spec, mt_model **out);
void mt_model_free(mt_model *m);
/* Deep copy: weights, buffers, optimizer state, LRs, frozen flags, snapshots, generator. */
mt_status mt_model_clone(const mt_model *src, mt_model **out);

/* The resolved spec (presets expanded, device resolved). String fields point into the model. */
const mt_model_spec *mt_model_spec_of(const mt_model *m);
/* "cpu" or "cuda:N". */
const char *mt_model_device(const mt_model *m);
/* Trainable parameter count of a group, or of the whole model with MT_GROUP_ALL. */
mt_status mt_param_count(const mt_model *m, int group, int64_t *count);

/* ---- batches ------------------------------------------------------------------------------ */

/* A host array for one modality, contiguous, not copied on the host.
 * ResNet: uint8 or float32, shape [n, C, H, W].
 * BERT: int64 or int32 tokens, shape [n, P, L] with planes P = 2 (token ids, attention mask) or
 * P = 3 (ids, mask, token type ids), or [n, L] for ids alone (every position attended, type 0).
 * One sample's planes are contiguous, so a sample is one [P, L] block like an image is one
 * [C, H, W] block. Ids lie in 0..vocab_size-1, the mask is 1 (token) or 0 (padding), types lie
 * in 0..type_vocab_size-1, 1 <= L <= max_positions; batches may differ in L. */
typedef struct {
    mt_dtype dtype;
    int ndim;
    int64_t shape[5];
    const void *data;
} mt_input;

typedef struct {
    int64_t n;
    mt_input x[2];
    const int64_t *labels; /* [n] class ids (multiclass) */
    const float *targets;  /* [n, num_classes] multi-hot rows (multilabel) */
} mt_batch;

/* Per-batch numbers, for training steps and evaluation alike. */
typedef struct {
    int64_t n;
    double loss[MT_NUM_HEADS];     /* mean loss of each head */
    double total_loss;             /* sum of weight x loss */
    int64_t correct[MT_NUM_HEADS]; /* multiclass: argmax == label */
    /* multilabel at threshold 0.5, summed over samples and labels (micro F1 from these) */
    int64_t tp[MT_NUM_HEADS], fp[MT_NUM_HEADS], fn[MT_NUM_HEADS];
    /* per modality (0 = A, 1 = B): batch sum of the softmax probability of the true class
     * (multilabel: of each sample's mean sigmoid probability of its true labels, 0 for a
     * sample without labels), from the auxiliary heads (0 without them) and from the fusion
     * layer's slices */
    double score_aux[2];
    double score_slice[2];
} mt_step_result;

/* Forward in train mode, loss = sum_h weights[h] * loss_h (NULL weights = 1,1,1), zero the old
 * gradients, backward. No optimizer step. res may be NULL. An encoder whose group is frozen and
 * whose features reach only heads of weight 0 (the fused head and its own: unimodal training of
 * the other one) is not run; zeros stand in for its features, so res's losses and counts of
 * those two heads describe zero features for that modality. */
mt_status mt_train_step(mt_model *m, const mt_batch *b, const float weights[MT_NUM_HEADS], mt_step_result *res);

/* Scale the gradients of a group by coef, then add Gaussian noise whose std is noise_factor
 * times (the unbiased std of that parameter's gradient tensor before scaling + 1e-8), drawn from
 * the model's own generator (0 = no noise). all_params 0 touches only 4-D
 * (convolution) weight gradients, as the OGM-GE reference (a BERT encoder has none, so it is
 * left alone); 1 touches every parameter. */
mt_status mt_scale_grad(mt_model *m, int group, double coef, double noise_factor, int all_params);

/* One optimizer step over every group (frozen groups are skipped). Under FP16, a step whose
 * gradients overflowed is skipped (the weights and optimizer state stay as they were) and the
 * loss scale is updated. */
mt_status mt_optimizer_step(mt_model *m);

/* The FP16 loss scaler's state (scale 1 and zeros for FP32 and BF16). */
typedef struct {
    double scale;           /* current loss scale */
    int64_t growth_tracker; /* steps in a row without overflow since the last change */
    int64_t skipped_steps;  /* optimizer steps skipped for overflow, over the model's life */
    int overflow;           /* the gradients of the last mt_train_step held an inf or NaN */
} mt_scaler_info;
mt_status mt_scaler_get(const mt_model *m, mt_scaler_info *out);

/* Caller-owned outputs of mt_eval_batch; any pointer may be NULL. Each is [n, num_classes]. */
typedef struct {
    float *head[MT_NUM_HEADS];
    float *slice[2];   /* fusion-layer slices of A and B */
    int probabilities; /* 0 logits, 1 softmax (multiclass) or sigmoid (multilabel) */
} mt_eval_out;

/* Forward without gradients in eval mode; fills res (losses with unit weights) and out; either
 * may be NULL. Multilabel predictions are positive where the logit is > 0 (probability > 0.5). */
mt_status mt_eval_batch(mt_model *m, const mt_batch *b, mt_step_result *res, const mt_eval_out *out);

/* mt_train_step that also writes the heads' outputs of the same forward pass (train mode, so
 * dropout is on) into out, as mt_eval_batch does; out NULL is mt_train_step. For metrics that
 * need more than res's counts, such as the per-label F1 scores of a multilabel model. */
mt_status mt_train_step_out(mt_model *m, const mt_batch *b, const float weights[MT_NUM_HEADS], mt_step_result *res,
                            const mt_eval_out *out);

/* One encoder alone (MT_GROUP_A or MT_GROUP_B), in eval mode without gradients, on x (n =
 * x->shape[0]): its feature [n, d] as fusion receives it before any projection (a ResNet's
 * pooled features, a BERT's pooler output or [CLS] state) and, for a BERT, the last layer's
 * hidden states [n, L, hidden] (a ResNet takes NULL there). Either output may be NULL. For
 * feature extraction and for comparing against reference implementations. */
mt_status mt_encoder_forward(mt_model *m, int enc, const mt_input *x, float *feature, float *hidden);

/* ---- parameter groups --------------------------------------------------------------------- */

mt_status mt_group_set_lr(mt_model *m, int group, double lr);
mt_status mt_group_get_lr(const mt_model *m, int group, double *lr);
/* Frozen: no gradient, no update, batch-norm layers in eval mode. */
mt_status mt_group_freeze(mt_model *m, int group, int frozen);
mt_status mt_group_is_frozen(const mt_model *m, int group, int *frozen);
/* Keep one in-memory copy of a group's weights and buffers; restore copies it back. */
mt_status mt_group_snapshot(mt_model *m, int group);
mt_status mt_group_restore(mt_model *m, int group);
/* Copy a group's parameters (or their gradients, 0 where none) to a float buffer of
 * mt_param_count elements: the group's modules in the order encoder, projection, fused head,
 * auxiliary heads, each module's parameters in registration order (conv/BN weight then bias),
 * each tensor row-major. MT_GROUP_ALL concatenates groups A, B, fusion. For tests and
 * diagnostics. Other group calls take 0..2 only. */
mt_status mt_group_read_params(const mt_model *m, int group, float *out, int64_t count);
mt_status mt_group_read_grads(const mt_model *m, int group, float *out, int64_t count);

/* ---- weight files (safetensors) ------------------------------------------------------------ */

/* safetensors: an 8-byte little-endian header length N, N bytes of JSON naming each tensor's
 * dtype, shape and [begin, end) byte range, then the raw little-endian data. Names are those of
 * the encoder's ecosystem: torchvision's for a ResNet (conv1.weight, bn1.running_mean,
 * layer1.0.conv1.weight, layer1.0.downsample.0.weight, ...), Hugging Face BertModel's for a
 * BERT (embeddings.word_embeddings.weight, encoder.layer.0.attention.self.query.weight, ...,
 * pooler.dense.weight). */

/* Load encoder enc (MT_GROUP_A or MT_GROUP_B) from a safetensors file. prefix (NULL or "" for
 * none) selects the tensors whose names start with it and is stripped from them; the others
 * are ignored. Then, for a BERT, a leading "bert." is stripped and the old LayerNorm names
 * gamma/beta read as weight/bias. Ignored as well: a ResNet's fc.* (the ImageNet classifier),
 * a BERT's cls.* (pre-training heads), *.position_ids (a constant some versions save) and
 * pooler.* when the output is CLS; a missing num_batches_tracked keeps the model's. Strict
 * otherwise: a tensor missing, unexpected or of the wrong shape fails with MT_EMISMATCH and a
 * message naming every one, before anything is copied. F32, F16, BF16 and F64 data are
 * converted to the model's float32. A file that is not well-formed safetensors (truncated,
 * header length or offsets beyond the file, overlapping or gapped ranges, bad JSON) fails
 * with MT_EIO. Optimizer state and snapshots are left as they are. */
mt_status mt_encoder_load_safetensors(mt_model *m, int enc, const char *path, const char *prefix);

/* Write weights as safetensors (float32, num_batches_tracked int64, "__metadata__":
 * {"format": "pt"} as PyTorch's loaders expect), to PATH.tmp then renamed. what: MT_GROUP_A or
 * MT_GROUP_B writes that encoder alone under its ecosystem's names, so torchvision's
 * load_state_dict or Hugging Face's BertModel read it; MT_GROUP_ALL writes the whole model:
 * encoder A's names behind "a.", encoder B's behind "b.", and the fusion group's modules under
 * the shim's names (fused.*, head_a.*, head_b.*, proj_a.*, proj_b.*). */
mt_status mt_save_safetensors(const mt_model *m, int what, const char *path);

/* ---- checkpoints -------------------------------------------------------------------------- */

/* Weights, buffers, optimizer state, LRs, frozen flags, snapshots, generator state, the FP16
 * scaler's state, format version and the spec. Written to PATH.tmp and renamed, so a killed save leaves no half file. */
mt_status mt_model_save(const mt_model *m, const char *path);
/* Load into a model built from the same spec; a different spec fails with MT_EMISMATCH and a
 * message naming the fields that differ. Compared: encoder structure and input shape, fusion,
 * num_classes, multilabel, aux_heads, heads_follow_encoders, optimizer kind. Not compared (the
 * checkpoint's values win where they are state): lr, betas, eps, momentum, weight decay,
 * normalisation, seed, device, threads, precision (a checkpoint without scaler state, or
 * one of another precision, keeps the model's own scaler). On failure the model's state is unspecified. */
mt_status mt_model_load(mt_model *m, const char *path);

#if defined(__GNUC__)
#pragma GCC visibility pop
#endif
#ifdef __cplusplus
}
#endif
#endif
