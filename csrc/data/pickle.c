/* pickle.c - the restricted pickle reader (see pickle.h). The opcodes read (and nothing else):
 *   framing     PROTO (2 to 5), FRAME, STOP, MARK
 *   scalars     NONE, NEWTRUE, NEWFALSE, BININT, BININT1, BININT2, LONG1 (up to 8 bytes), BINFLOAT
 *   strings     SHORT_BINSTRING, BINSTRING, SHORT_BINUNICODE, BINUNICODE, BINUNICODE8,
 *               SHORT_BINBYTES, BINBYTES, BINBYTES8
 *   containers  EMPTY_TUPLE, TUPLE, TUPLE1-3, EMPTY_LIST, LIST, APPEND, APPENDS, EMPTY_DICT, DICT,
 *               SETITEM, SETITEMS
 *   memo        BINPUT, LONG_BINPUT, MEMOIZE, BINGET, LONG_BINGET
 *   objects     GLOBAL, STACK_GLOBAL (NumPy's names only), REDUCE and BUILD (recorded, not run)
 * Every value lives in the document's list of allocations and is freed with it; values may be
 * shared (the memo) and even cyclic, which nothing here walks. */
#define _POSIX_C_SOURCE 200809L
#include "data/pickle.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/errfmt.h"

#define PK_MAX_MEMO (1u << 22) /* metadata.npy needs ~3e5 entries */

struct pk_doc {
    pk_value **all;
    size_t n_all, cap_all;
    pk_value *root;
};

typedef struct {
    const uint8_t *base, *p, *end;
    pk_doc *doc;
    pk_value **stack;
    size_t sp, scap;
    size_t *marks;
    size_t nmarks, mcap;
    pk_value **memo;
    size_t memo_cap, memo_next;
    int op; /* the opcode being run, for messages */
    char *err;
    size_t errlen;
} vm;

/* ---- helpers ----------------------------------------------------------------------------- */

static int fail(vm *m, const char *what) {
    seterr(m->err, m->errlen, "pickle offset %zu (opcode 0x%02x): %s", (size_t)(m->p - m->base), m->op, what);
    return -1;
}

static int grow(void **p, size_t *cap, size_t need, size_t size) {
    if (need <= *cap) return 0;
    size_t n = *cap ? *cap : 16;
    while (n < need) n *= 2;
    void *q = realloc(*p, n * size);
    if (!q) return -1;
    *p = q;
    *cap = n;
    return 0;
}

static pk_value *new_value(vm *m, pk_kind kind) {
    pk_value *v = calloc(1, sizeof *v);
    if (!v || grow((void **)&m->doc->all, &m->doc->cap_all, m->doc->n_all + 1, sizeof(pk_value *))) {
        free(v);
        fail(m, "out of memory");
        return NULL;
    }
    v->kind = kind;
    m->doc->all[m->doc->n_all++] = v;
    return v;
}

static int push(vm *m, pk_value *v) {
    if (!v) return -1;
    if (grow((void **)&m->stack, &m->scap, m->sp + 1, sizeof(pk_value *))) return fail(m, "out of memory");
    m->stack[m->sp++] = v;
    return 0;
}

static pk_value *pop(vm *m) {
    size_t floor = m->nmarks ? m->marks[m->nmarks - 1] : 0;
    if (m->sp <= floor) {
        fail(m, "expected a value on the stack, found none (or only a mark)");
        return NULL;
    }
    return m->stack[--m->sp];
}

static int take(vm *m, size_t n, const uint8_t **out) {
    if ((size_t)(m->end - m->p) < n) return fail(m, "truncated: the argument runs past the end");
    *out = m->p;
    m->p += n;
    return 0;
}

static int read_uint(vm *m, size_t n, uint64_t *v) {
    const uint8_t *b;
    if (take(m, n, &b)) return -1;
    *v = 0;
    for (size_t i = 0; i < n; i++) *v |= (uint64_t)b[i] << (8 * i);
    return 0;
}

static int append_to(vm *m, pk_value *c, pk_value *v) {
    if (!c || c->kind != PK_LIST) return fail(m, "expected a list to append to, found another value");
    if (grow((void **)&c->items, &c->cap, c->n + 1, sizeof(pk_value *))) return fail(m, "out of memory");
    c->items[c->n++] = v;
    return 0;
}

static int set_item(vm *m, pk_value *d, pk_value *k, pk_value *v) {
    if (!d || d->kind != PK_DICT) return fail(m, "expected a dict to set an item in, found another value");
    if (grow((void **)&d->items, &d->cap, 2 * d->n + 2, sizeof(pk_value *))) return fail(m, "out of memory");
    d->items[2 * d->n] = k;
    d->items[2 * d->n + 1] = v;
    d->n++;
    return 0;
}

/* The values above the last mark, which is removed; *first is their stack index. */
static int pop_mark(vm *m, size_t *first) {
    if (!m->nmarks) return fail(m, "expected a mark on the stack, found none");
    *first = m->marks[--m->nmarks];
    return 0;
}

/* ---- opcodes, by family; each returns 1 when it ran op, 0 when op is not its, -1 on error -- */

static int op_scalar(vm *m, int op) {
    uint64_t u;
    const uint8_t *b;
    pk_value *v;
    switch (op) {
    case 'N': return push(m, new_value(m, PK_NONE)) ? -1 : 1;
    case 0x88:
    case 0x89:
        if (!(v = new_value(m, PK_BOOL))) return -1;
        v->i = op == 0x88;
        return push(m, v) ? -1 : 1;
    case 'J':
    case 'K':
    case 'M':
        if (read_uint(m, op == 'J' ? 4 : op == 'K' ? 1 : 2, &u) || !(v = new_value(m, PK_INT))) return -1;
        v->i = op == 'J' ? (int64_t)(int32_t)(uint32_t)u : (int64_t)u;
        return push(m, v) ? -1 : 1;
    case 0x8a: /* LONG1: n bytes of little-endian two's complement */
        if (read_uint(m, 1, &u)) return -1;
        if (u > 8) return fail(m, "LONG1: expected at most 8 bytes, found more (an integer too large)");
        size_t n = (size_t)u;
        if (read_uint(m, n, &u) || !(v = new_value(m, PK_INT))) return -1;
        if (n > 0 && n < 8 && (u >> (8 * n - 1)) & 1) u |= ~0ull << (8 * n); /* sign-extend */
        v->i = (int64_t)u;
        return push(m, v) ? -1 : 1;
    case 'G': /* BINFLOAT: big-endian IEEE double */
        if (take(m, 8, &b) || !(v = new_value(m, PK_FLOAT))) return -1;
        u = 0;
        for (int i = 0; i < 8; i++) u = u << 8 | b[i];
        memcpy(&v->f, &u, sizeof v->f);
        return push(m, v) ? -1 : 1;
    default: return 0;
    }
}

static int op_string(vm *m, int op) {
    size_t width;
    pk_kind kind = PK_STR;
    switch (op) {
    case 'U':
    case 0x8c: width = 1; break;
    case 'T':
    case 'X': width = 4; break;
    case 0x8d: width = 8; break;
    case 'C': width = 1, kind = PK_BYTES; break;
    case 'B': width = 4, kind = PK_BYTES; break;
    case 0x8e: width = 8, kind = PK_BYTES; break;
    default: return 0;
    }
    uint64_t n;
    const uint8_t *b;
    if (read_uint(m, width, &n)) return -1;
    if (op == 'T' && n > INT32_MAX) return fail(m, "BINSTRING: negative length");
    if (n > (uint64_t)(m->end - m->p)) return fail(m, "truncated: the string runs past the end");
    pk_value *v = new_value(m, kind);
    if (!v || take(m, (size_t)n, &b)) return -1;
    v->s = (const char *)b;
    v->len = (size_t)n;
    return push(m, v) ? -1 : 1;
}

/* A tuple of the stack's values from index FIRST up. */
static int make_tuple(vm *m, size_t first) {
    pk_value *t = new_value(m, PK_TUPLE);
    if (!t) return -1;
    size_t n = m->sp - first;
    if (n && !(t->items = malloc(n * sizeof(pk_value *)))) return fail(m, "out of memory");
    if (n) memcpy(t->items, m->stack + first, n * sizeof(pk_value *));
    t->n = t->cap = n;
    m->sp = first;
    return push(m, t);
}

static int op_sequence(vm *m, int op) {
    size_t first;
    pk_value *v, *c;
    switch (op) {
    case ')': return make_tuple(m, m->sp) ? -1 : 1;
    case 't': return pop_mark(m, &first) || make_tuple(m, first) ? -1 : 1;
    case 0x85:
    case 0x86:
    case 0x87: {
        size_t k = (size_t)(op - 0x84), floor = m->nmarks ? m->marks[m->nmarks - 1] : 0;
        if (m->sp - floor < k) return fail(m, "TUPLE1-3: expected that many values on the stack, found fewer");
        return make_tuple(m, m->sp - k) ? -1 : 1;
    }
    case ']': return push(m, new_value(m, PK_LIST)) ? -1 : 1;
    case 'l':
        if (pop_mark(m, &first) || !(c = new_value(m, PK_LIST))) return -1;
        for (size_t i = first; i < m->sp; i++)
            if (append_to(m, c, m->stack[i])) return -1;
        m->sp = first;
        return push(m, c) ? -1 : 1;
    case 'a':
        if (!(v = pop(m)) || !(c = pop(m))) return -1;
        return append_to(m, c, v) || push(m, c) ? -1 : 1;
    case 'e':
        if (pop_mark(m, &first)) return -1;
        if (first == 0 || first <= (m->nmarks ? m->marks[m->nmarks - 1] : 0))
            return fail(m, "APPENDS: expected a list below the mark, found none");
        for (size_t i = first; i < m->sp; i++)
            if (append_to(m, m->stack[first - 1], m->stack[i])) return -1;
        m->sp = first;
        return 1;
    default: return 0;
    }
}

static int op_dict(vm *m, int op) {
    size_t first;
    pk_value *k, *v, *d;
    switch (op) {
    case '}': return push(m, new_value(m, PK_DICT)) ? -1 : 1;
    case 'd':
    case 'u':
        if (pop_mark(m, &first)) return -1;
        if ((m->sp - first) % 2) return fail(m, "DICT/SETITEMS: expected key-value pairs, found an odd count");
        if (op == 'd' && !(d = new_value(m, PK_DICT))) return -1;
        if (op == 'u' && (first == 0 || first <= (m->nmarks ? m->marks[m->nmarks - 1] : 0)))
            return fail(m, "SETITEMS: expected a dict below the mark, found none");
        if (op == 'u') d = m->stack[first - 1];
        for (size_t i = first; i < m->sp; i += 2)
            if (set_item(m, d, m->stack[i], m->stack[i + 1])) return -1;
        m->sp = first;
        return op == 'd' && push(m, d) ? -1 : 1;
    case 's':
        if (!(v = pop(m)) || !(k = pop(m)) || !(d = pop(m))) return -1;
        return set_item(m, d, k, v) || push(m, d) ? -1 : 1;
    default: return 0;
    }
}

static int memo_put(vm *m, uint64_t idx) {
    if (!m->sp || (m->nmarks && m->marks[m->nmarks - 1] == m->sp)) return fail(m, "memo: expected a value, found none");
    if (idx >= PK_MAX_MEMO) return fail(m, "memo: index past 2^22");
    if (grow((void **)&m->memo, &m->memo_cap, (size_t)idx + 1, sizeof(pk_value *))) return fail(m, "out of memory");
    for (size_t i = m->memo_next; i <= idx; i++) m->memo[i] = NULL;
    if (idx >= m->memo_next) m->memo_next = (size_t)idx + 1;
    m->memo[idx] = m->stack[m->sp - 1];
    return 0;
}

static int op_memo(vm *m, int op) {
    uint64_t idx;
    switch (op) {
    case 'q':
    case 'r': return read_uint(m, op == 'q' ? 1 : 4, &idx) || memo_put(m, idx) ? -1 : 1;
    case 0x94: return memo_put(m, m->memo_next) ? -1 : 1;
    case 'h':
    case 'j':
        if (read_uint(m, op == 'h' ? 1 : 4, &idx)) return -1;
        if (idx >= m->memo_next || !m->memo[idx]) return fail(m, "memo: expected a stored index, found an unset one");
        return push(m, m->memo[idx]) ? -1 : 1;
    default: return 0;
    }
}

/* NumPy's reconstruction callables, and _codecs.encode (how Python 3 spells bytes in a
 * protocol-2 pickle): the only names a pickle may mention. */
static int allowed_global(const char *mod, size_t mod_len, const char *name, size_t name_len) {
    static const char *const ok[][2] = {
        {"numpy.core.multiarray", "_reconstruct"},
        {"numpy._core.multiarray", "_reconstruct"},
        {"numpy.core.multiarray", "scalar"},
        {"numpy._core.multiarray", "scalar"},
        {"numpy", "ndarray"},
        {"numpy", "dtype"},
        {"_codecs", "encode"},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        if (strlen(ok[i][0]) == mod_len && !memcmp(ok[i][0], mod, mod_len) && strlen(ok[i][1]) == name_len &&
            !memcmp(ok[i][1], name, name_len))
            return 1;
    return 0;
}

/* A PK_GLOBAL of "module name"; the text is kept in the value's own allocation. */
static int push_global(vm *m, const char *mod, size_t mod_len, const char *name, size_t name_len) {
    if (!allowed_global(mod, mod_len, name, name_len)) {
        char what[256];
        snprintf(what, sizeof what, "refused global '%.*s.%.*s': expected one of NumPy's array constructors",
                 (int)(mod_len > 80 ? 80 : mod_len), mod, (int)(name_len > 80 ? 80 : name_len), name);
        return fail(m, what);
    }
    pk_value *v = new_value(m, PK_GLOBAL);
    char *text = v ? malloc(mod_len + name_len + 2) : NULL;
    if (!text) return v ? fail(m, "out of memory") : -1;
    memcpy(text, mod, mod_len);
    text[mod_len] = ' ';
    memcpy(text + mod_len + 1, name, name_len);
    text[mod_len + 1 + name_len] = 0;
    v->s = text;
    v->len = mod_len + 1 + name_len;
    return push(m, v);
}

/* GLOBAL's two newline-terminated lines. */
static int read_line(vm *m, const char **s, size_t *n) {
    const uint8_t *nl = memchr(m->p, '\n', (size_t)(m->end - m->p));
    if (!nl) return fail(m, "GLOBAL: expected a newline-terminated name, found the end");
    *s = (const char *)m->p;
    *n = (size_t)(nl - m->p);
    m->p = nl + 1;
    return 0;
}

static int op_object(vm *m, int op) {
    const char *mod, *name;
    size_t mod_len, name_len;
    pk_value *a, *b, *v;
    switch (op) {
    case 'c':
        if (read_line(m, &mod, &mod_len) || read_line(m, &name, &name_len)) return -1;
        return push_global(m, mod, mod_len, name, name_len) ? -1 : 1;
    case 0x93:
        if (!(b = pop(m)) || !(a = pop(m))) return -1;
        if (a->kind != PK_STR || b->kind != PK_STR) return fail(m, "STACK_GLOBAL: expected two strings");
        return push_global(m, a->s, a->len, b->s, b->len) ? -1 : 1;
    case 'R':
        if (!(a = pop(m)) || !(b = pop(m))) return -1;
        if (b->kind != PK_GLOBAL || a->kind != PK_TUPLE)
            return fail(m, "REDUCE: expected a global and a tuple of arguments, found other values");
        if (!(v = new_value(m, PK_OBJECT))) return -1;
        v->call = b;
        v->args = a;
        return push(m, v) ? -1 : 1;
    case 'b':
        if (!(a = pop(m))) return -1;
        if (!m->sp || m->stack[m->sp - 1]->kind != PK_OBJECT || m->stack[m->sp - 1]->state)
            return fail(m, "BUILD: expected an object without state below the state, found another value");
        m->stack[m->sp - 1]->state = a;
        return 1;
    default: return 0;
    }
}

static int op_frame(vm *m, int op) {
    uint64_t u;
    switch (op) {
    case 0x80:
        if (read_uint(m, 1, &u)) return -1;
        if (u < 2 || u > 5) return fail(m, "PROTO: expected protocol 2 to 5");
        return 1;
    case 0x95: return read_uint(m, 8, &u) ? -1 : 1; /* FRAME: a length hint */
    case '(':
        if (grow((void **)&m->marks, &m->mcap, m->nmarks + 1, sizeof(size_t))) return fail(m, "out of memory");
        m->marks[m->nmarks++] = m->sp;
        return 1;
    default: return 0;
    }
}

static int run(vm *m) {
    int (*const families[])(vm *, int) = {op_frame, op_scalar, op_string, op_sequence, op_dict, op_memo, op_object};
    while (m->p < m->end) {
        m->op = *m->p++;
        if (m->op == '.') {
            if (m->nmarks || m->sp != 1) return fail(m, "STOP: expected exactly one value on the stack and no mark");
            m->doc->root = m->stack[0];
            return 0;
        }
        int rc = 0;
        for (size_t i = 0; i < sizeof families / sizeof families[0] && rc == 0; i++) rc = families[i](m, m->op);
        if (rc < 0) return -1;
        if (rc == 0)
            return fail(m, "an opcode this reader refuses (not one a dict of lists, strings, numbers and "
                           "NumPy arrays needs)");
    }
    return fail(m, "truncated: expected STOP, found the end");
}

ml_status pk_parse(const uint8_t *buf, size_t len, pk_doc **out, char *err, size_t errlen) {
    *out = NULL;
    vm m;
    memset(&m, 0, sizeof m);
    m.base = m.p = buf;
    m.end = buf + len;
    m.err = err;
    m.errlen = errlen;
    m.doc = calloc(1, sizeof *m.doc);
    if (!m.doc) return seterr(err, errlen, "pickle: out of memory"), ML_ERUNTIME;
    int rc = run(&m);
    free(m.stack);
    free(m.marks);
    free(m.memo);
    if (rc) {
        pk_free(m.doc);
        return strstr(err ? err : "", "out of memory") ? ML_ERUNTIME : ML_EDATA;
    }
    *out = m.doc;
    return ML_OK;
}

const pk_value *pk_root(const pk_doc *d) { return d->root; }

void pk_free(pk_doc *d) {
    if (!d) return;
    for (size_t i = 0; i < d->n_all; i++) {
        if (d->all[i]->kind == PK_GLOBAL) free((char *)d->all[i]->s);
        free(d->all[i]->items);
        free(d->all[i]);
    }
    free(d->all);
    free(d);
}

const pk_value *pk_dict_get(const pk_value *dict, const char *key) {
    if (!dict || dict->kind != PK_DICT) return NULL;
    size_t n = strlen(key);
    for (size_t i = 0; i < dict->n; i++) {
        const pk_value *k = dict->items[2 * i];
        if (k->kind == PK_STR && k->len == n && !memcmp(k->s, key, n)) return dict->items[2 * i + 1];
    }
    return NULL;
}
