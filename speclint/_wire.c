/* speclint._wire: the graph index of a SavedModel read straight from its wire format.
 *
 * Why native: after protobuf (upb) has parsed a 100 MB graph, merely touching every node's
 * name, op and inputs from Python costs more than the parse itself, and building the index
 * costs four times the parse (benchmarks/bench_scale.py). This module walks the bytes once
 * and hands Python what speclint.read.graph.GraphIndex keeps: names, interned op types, the
 * data edges as int32 arrays, and where each NodeDef lies in the file, so a node is parsed
 * by upb only when a reader asks for it.
 *
 * It is an accelerator, never the only way: every function returns None for anything it
 * does not model exactly as upb does (a repeated singular message, a field with an
 * unexpected wire type, a group, a name that is not UTF-8, a repeated node or function
 * name), and the caller then parses the whole file with upb and builds the index in Python.
 * The wire walk checks every bound; it never trusts a length.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

/* The stable ABI (setup.py: Py_LIMITED_API 3.11, one abi3 wheel for CPython 3.11 and later; the
 * buffer protocol entered the limited API in 3.11) lacks the unchecked macros: their checked
 * functions there, so the same code builds for both ABIs. Py_XSETREF is not in it either. */
#ifdef Py_LIMITED_API
#define PyList_GET_SIZE(list) PyList_Size(list)
#define PyList_GET_ITEM(list, i) PyList_GetItem(list, i)
#define PyBytes_AS_STRING(bytes) PyBytes_AsString(bytes)
#define PyBytes_GET_SIZE(bytes) PyBytes_Size(bytes)
#define PyUnicode_GET_LENGTH(text) PyUnicode_GetLength(text)
#endif
#ifndef Py_XSETREF
#define Py_XSETREF(target, value)                                                                   \
    do {                                                                                            \
        PyObject *old_value = (PyObject *)(target);                                                 \
        (target) = (value);                                                                         \
        Py_XDECREF(old_value);                                                                      \
    } while (0)
#endif

/* ---- wire format -------------------------------------------------------------------- */

typedef struct {
    uint32_t number;
    int type;               /* 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32 */
    const uint8_t *start;   /* the tag's first byte */
    const uint8_t *value;   /* length-delimited: the payload */
    const uint8_t *end;     /* the end of the field (and of a payload) */
} Field;

static int read_varint(const uint8_t **cursor, const uint8_t *end, uint64_t *out) {
    const uint8_t *p = *cursor;
    uint64_t result = 0;
    for (int shift = 0; shift < 64 && p < end; shift += 7) {
        uint8_t byte = *p++;
        result |= (uint64_t)(byte & 0x7F) << shift;
        if (!(byte & 0x80)) {
            *cursor = p;
            *out = result;
            return 0;
        }
    }
    return -1;
}

/* 1: a field was read into *field; 0: the end; -1: malformed or a group (the caller bails). */
static int next_field(const uint8_t **cursor, const uint8_t *end, Field *field) {
    const uint8_t *p = *cursor;
    uint64_t tag, size;
    if (p >= end)
        return 0;
    field->start = p;
    if (read_varint(&p, end, &tag) < 0 || (tag >> 3) == 0 || (tag >> 3) > 0x1FFFFFFF)
        return -1;
    field->number = (uint32_t)(tag >> 3);
    field->type = (int)(tag & 7);
    switch (field->type) {
    case 0:
        if (read_varint(&p, end, &size) < 0)
            return -1;
        break;
    case 1:
        if (end - p < 8)
            return -1;
        p += 8;
        break;
    case 2:
        if (read_varint(&p, end, &size) < 0 || size > (uint64_t)(end - p))
            return -1;
        field->value = p;
        p += size;
        break;
    case 5:
        if (end - p < 4)
            return -1;
        p += 4;
        break;
    default:
        return -1;
    }
    field->end = p;
    *cursor = p;
    return 1;
}

static size_t varint_size(uint64_t value) {
    size_t size = 1;
    while (value >= 0x80) {
        value >>= 7;
        size++;
    }
    return size;
}

static uint8_t *write_varint(uint8_t *out, uint64_t value) {
    while (value >= 0x80) {
        *out++ = (uint8_t)(value | 0x80);
        value >>= 7;
    }
    *out++ = (uint8_t)value;
    return out;
}

/* ---- growable arrays ---------------------------------------------------------------- */

/* Room for one more element of ``size`` bytes in a doubling buffer; -1 (MemoryError) when none. */
static int reserve(void **data, Py_ssize_t used, Py_ssize_t *capacity, size_t size) {
    if (used < *capacity)
        return 0;
    Py_ssize_t grown = *capacity ? *capacity * 2 : 1024;
    void *bigger = PyMem_Realloc(*data, (size_t)grown * size);
    if (bigger == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    *data = bigger;
    *capacity = grown;
    return 0;
}

typedef struct {
    int32_t *data;
    Py_ssize_t size, capacity;
} Ints;

static int ints_push(Ints *ints, int32_t value) {
    if (reserve((void **)&ints->data, ints->size, &ints->capacity, sizeof(int32_t)) < 0)
        return -1;
    ints->data[ints->size++] = value;
    return 0;
}

static PyObject *ints_bytes(const Ints *ints) {
    return PyBytes_FromStringAndSize((const char *)ints->data, ints->size * (Py_ssize_t)sizeof(int32_t));
}

typedef struct {
    int64_t *data;
    Py_ssize_t size, capacity;
} Offsets;

static int offsets_push(Offsets *offsets, int64_t value) {
    if (reserve((void **)&offsets->data, offsets->size, &offsets->capacity, sizeof(int64_t)) < 0)
        return -1;
    offsets->data[offsets->size++] = value;
    return 0;
}

/* Append a new reference to ``list`` and drop ours; -1 on error, a NULL ``item`` included. */
static int append_new(PyObject *list, PyObject *item) {
    if (item == NULL)
        return -1;
    int failed = PyList_Append(list, item);
    Py_DECREF(item);
    return failed;
}

/* ---- names by their bytes ------------------------------------------------------------- */

typedef struct {
    const uint8_t *text;
    int32_t length; /* names are shorter than a file protobuf can parse (< 2 GiB) */
    int32_t value;
} Slot;

typedef struct {
    Slot *slots;
    size_t mask;
} Table; /* open addressing over byte strings that live in the caller's buffer */

/* SipHash-1-3 (Aumasson and Bernstein) with a key drawn at import, as Python hashes str: names
 * come from an attacker's file, and a fixed hash would let one make every name collide. */
static uint64_t hash_key[2];

#define ROTATE(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                                                    \
    do {                                                                                            \
        v0 += v1; v1 = ROTATE(v1, 13); v1 ^= v0; v0 = ROTATE(v0, 32);                               \
        v2 += v3; v3 = ROTATE(v3, 16); v3 ^= v2;                                                    \
        v0 += v3; v3 = ROTATE(v3, 21); v3 ^= v0;                                                    \
        v2 += v1; v1 = ROTATE(v1, 17); v1 ^= v2; v2 = ROTATE(v2, 32);                               \
    } while (0)

static uint64_t hash_bytes(const uint8_t *text, Py_ssize_t length) {
    uint64_t v0 = hash_key[0] ^ 0x736f6d6570736575ULL, v1 = hash_key[1] ^ 0x646f72616e646f6dULL;
    uint64_t v2 = hash_key[0] ^ 0x6c7967656e657261ULL, v3 = hash_key[1] ^ 0x7465646279746573ULL;
    const uint8_t *end = text + (length & ~(Py_ssize_t)7);
    for (; text < end; text += 8) {
        uint64_t word;
        memcpy(&word, text, 8); /* little-endian hosts; on others the hash differs, still keyed */
        v3 ^= word;
        SIPROUND;
        v0 ^= word;
    }
    uint64_t last = (uint64_t)length << 56;
    switch (length & 7) {
    case 7: last |= (uint64_t)text[6] << 48; /* fall through */
    case 6: last |= (uint64_t)text[5] << 40; /* fall through */
    case 5: last |= (uint64_t)text[4] << 32; /* fall through */
    case 4: last |= (uint64_t)text[3] << 24; /* fall through */
    case 3: last |= (uint64_t)text[2] << 16; /* fall through */
    case 2: last |= (uint64_t)text[1] << 8;  /* fall through */
    case 1: last |= (uint64_t)text[0]; break;
    case 0: break;
    }
    v3 ^= last;
    SIPROUND;
    v0 ^= last;
    v2 ^= 0xff;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}

static int table_init(Table *table, Py_ssize_t entries) {
    size_t size = 16;
    while (size < (size_t)entries * 2 + 2)
        size <<= 1;
    table->slots = PyMem_Calloc(size, sizeof(Slot));
    table->mask = size - 1;
    if (table->slots == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    return 0;
}

static void table_free(Table *table) {
    PyMem_Free(table->slots);
    table->slots = NULL;
}

static Slot *table_find(const Table *table, const uint8_t *text, Py_ssize_t length) {
    size_t i = (size_t)hash_bytes(text, length) & table->mask;
    for (;;) {
        Slot *slot = &table->slots[i];
        if (slot->text == NULL || (slot->length == length && memcmp(slot->text, text, (size_t)length) == 0))
            return slot;
        i = (i + 1) & table->mask;
    }
}

/* ---- one NodeDef -------------------------------------------------------------------- */

typedef struct {
    const uint8_t *name, *op, *layout; /* layout: data_format's AttrValue payload, or NULL */
    const uint8_t *value;              /* the ``value`` attribute's AttrValue payload, or NULL */
    Py_ssize_t name_length, op_length, layout_length, value_length;
} Node;

/* 0: read; -1: bail. Strings are the last occurrence (proto3 scalars), as upb keeps them. */
static int read_node(const uint8_t *body, const uint8_t *end, Node *node) {
    Field field, inner;
    const uint8_t *cursor = body;
    int status;
    node->name = node->op = node->layout = (const uint8_t *)"";
    node->name_length = node->op_length = node->layout_length = 0;
    node->value = NULL;
    node->value_length = 0;
    int has_layout = 0;
    while ((status = next_field(&cursor, end, &field)) == 1) {
        if (field.number == 1 || field.number == 2 || field.number == 3 || field.number == 5) {
            if (field.type != 2)
                return -1;
        }
        if (field.number == 1) {
            node->name = field.value;
            node->name_length = field.end - field.value;
        } else if (field.number == 2) {
            node->op = field.value;
            node->op_length = field.end - field.value;
        } else if (field.number == 5) { /* map entry: key = 1, value = 2 */
            const uint8_t *entry = field.value, *key = (const uint8_t *)"", *value = NULL;
            Py_ssize_t key_length = 0, value_length = 0;
            int values = 0, entry_status;
            while ((entry_status = next_field(&entry, field.end, &inner)) == 1) {
                if ((inner.number == 1 || inner.number == 2) && inner.type != 2)
                    return -1;
                if (inner.number == 1) {
                    key = inner.value;
                    key_length = inner.end - inner.value;
                } else if (inner.number == 2) {
                    value = inner.value;
                    value_length = inner.end - inner.value;
                    values++;
                }
            }
            if (entry_status < 0 || values > 1)
                return -1; /* a repeated message value merges: leave it to upb */
            if (key_length == 5 && memcmp(key, "value", 5) == 0) {
                node->value = value ? value : (const uint8_t *)"";
                node->value_length = value ? value_length : 0;
            }
            if (key_length == 11 && memcmp(key, "data_format", 11) == 0) {
                has_layout = 1; /* the last entry of a key wins, as in a map */
                node->layout = value ? value : (const uint8_t *)"";
                node->layout_length = value ? value_length : 0;
            }
        }
    }
    if (status < 0)
        return -1;
    if (!has_layout)
        node->layout = NULL;
    return 0;
}

/* What speclint reads of an AttrValue: which member of its ``value`` oneof was set last (0: none;
 * 2 ``s``, 8 ``tensor``...), ``s`` when that is it, and the tensor's ``dtype`` (TensorProto field 1)
 * when ``tensor`` is. -1: a member with another wire type or a malformed payload. */
typedef struct {
    uint32_t last;
    const uint8_t *s;
    Py_ssize_t s_length;
    uint64_t dtype;
} AttrValue;

static int read_attr_value(const uint8_t *value, Py_ssize_t length, AttrValue *attr) {
    Field field, inner;
    const uint8_t *cursor = value, *end = value + length;
    int status, inner_status;
    attr->last = 0;
    attr->s = (const uint8_t *)"";
    attr->s_length = 0;
    attr->dtype = 0;
    while ((status = next_field(&cursor, end, &field)) == 1) {
        if (field.number < 1 || field.number > 10)
            continue;
        int expected = (field.number == 1 || field.number == 2 || field.number == 7 || field.number == 8 ||
                        field.number == 9 || field.number == 10) ? 2 : (field.number == 4 ? 5 : 0);
        if (field.type != expected)
            return -1;
        if (field.number == 2) {
            attr->s = field.value;
            attr->s_length = field.end - field.value;
        } else if (field.number == 8) {
            if (attr->last != 8)
                attr->dtype = 0; /* the oneof switched (back) to tensor: a fresh TensorProto */
            const uint8_t *tensor = field.value;
            while ((inner_status = next_field(&tensor, field.end, &inner)) == 1) {
                if (inner.number == 1) { /* repeated occurrences merge: the last dtype wins */
                    const uint8_t *number = inner.start;
                    uint64_t tag;
                    if (inner.type != 0 || read_varint(&number, inner.end, &tag) < 0 ||
                        read_varint(&number, inner.end, &attr->dtype) < 0)
                        return -1;
                }
            }
            if (inner_status < 0)
                return -1;
        }
        attr->last = field.number;
    }
    if (status < 0)
        return -1;
    if (attr->last != 2) {
        attr->s = (const uint8_t *)"";
        attr->s_length = 0;
    }
    return 0;
}

/* Whether the ``value`` attribute may be a DT_STRING tensor (7): 0 only when certainly not, so a
 * reader may skip parsing the node to look; anything unusual counts as may. */
static int may_be_string_tensor(const uint8_t *value, Py_ssize_t length) {
    AttrValue attr;
    if (read_attr_value(value, length, &attr) < 0)
        return 1;
    return attr.last == 8 && (attr.dtype & 0xFFFFFFFFu) == 7;
}

/* ``_int`` of speclint.read.graph: ASCII digits, else 0; at most 2**31 - 1. */
static int32_t output_index(const uint8_t *text, Py_ssize_t length) {
    if (length == 0)
        return 0;
    int64_t value = 0;
    for (Py_ssize_t i = 0; i < length; i++) {
        if (text[i] < '0' || text[i] > '9')
            return 0;
        if (value < 0x7FFFFFFF)
            value = value * 10 + (text[i] - '0');
    }
    return value > 0x7FFFFFFF ? 0x7FFFFFFF : (int32_t)value;
}

/* ---- scopes ------------------------------------------------------------------------- */

typedef struct {
    Offsets starts, ends;   /* NodeDef payloads in the buffer */
    const uint8_t *signature, *signature_end;  /* OpDef payload; NULL for the graph */
    PyObject *name;         /* function name (NULL for the graph) */
    PyObject *args;         /* list of argument names */
} Scope;

static void scope_free(Scope *scope) {
    PyMem_Free(scope->starts.data);
    PyMem_Free(scope->ends.data);
    Py_XDECREF(scope->name);
    Py_XDECREF(scope->args);
}

typedef struct {
    Scope *items;
    Py_ssize_t size, capacity;
} Scopes;

static Scope *scopes_add(Scopes *scopes) {
    if (reserve((void **)&scopes->items, scopes->size, &scopes->capacity, sizeof(Scope)) < 0)
        return NULL;
    Scope *scope = &scopes->items[scopes->size++];
    memset(scope, 0, sizeof(Scope));
    return scope;
}

static void scopes_free(Scopes *scopes) {
    for (Py_ssize_t i = 0; i < scopes->size; i++)
        scope_free(&scopes->items[i]);
    PyMem_Free(scopes->items);
}

static PyObject *decode(const uint8_t *text, Py_ssize_t length) {
    return PyUnicode_DecodeUTF8((const char *)text, length, NULL);
}

/* Name of an ArgDef (field 1, last wins); 0 ok, -1 bail. */
static int arg_name(const uint8_t *body, const uint8_t *end, const uint8_t **name, Py_ssize_t *length) {
    Field field;
    int status;
    *name = (const uint8_t *)"";
    *length = 0;
    while ((status = next_field(&body, end, &field)) == 1) {
        if (field.number == 1) {
            if (field.type != 2)
                return -1;
            *name = field.value;
            *length = field.end - field.value;
        }
    }
    return status < 0 ? -1 : 0;
}

/* Read the OpDef of a function: its name and input argument names. 0 ok, 1 bail, -1 error. */
static int read_signature(Scope *scope) {
    Field field;
    const uint8_t *cursor = scope->signature, *end = scope->signature_end;
    const uint8_t *name = (const uint8_t *)"";
    Py_ssize_t name_length = 0;
    int status;
    scope->args = PyList_New(0);
    if (scope->args == NULL)
        return -1;
    while ((status = next_field(&cursor, end, &field)) == 1) {
        if (field.number == 1 || field.number == 2) {
            if (field.type != 2)
                return 1;
        }
        if (field.number == 1) {
            name = field.value;
            name_length = field.end - field.value;
        } else if (field.number == 2) {
            const uint8_t *arg;
            Py_ssize_t arg_length;
            if (arg_name(field.value, field.end, &arg, &arg_length) < 0)
                return 1;
            PyObject *text = decode(arg, arg_length);
            if (text == NULL) {
                PyErr_Clear();
                return 1;
            }
            int failed = PyList_Append(scope->args, text);
            Py_DECREF(text);
            if (failed)
                return -1;
        }
    }
    if (status < 0)
        return 1;
    scope->name = decode(name, name_length);
    if (scope->name == NULL) {
        PyErr_Clear();
        return 1;
    }
    return 0;
}

/* The FunctionDef: one signature (a repeated one merges: bail) and its node_defs. 0/1/-1. */
static int read_function(Scopes *scopes, const uint8_t *body, const uint8_t *end, const uint8_t *buffer) {
    Field field;
    int status, signatures = 0;
    Scope *scope = scopes_add(scopes);
    if (scope == NULL)
        return -1;
    while ((status = next_field(&body, end, &field)) == 1) {
        if (field.number == 1 || field.number == 3) {
            if (field.type != 2)
                return 1;
        }
        if (field.number == 1) {
            if (++signatures > 1)
                return 1;
            scope->signature = field.value;
            scope->signature_end = field.end;
        } else if (field.number == 3) {
            if (offsets_push(&scope->starts, field.value - buffer) < 0 || offsets_push(&scope->ends, field.end - buffer) < 0)
                return -1;
        }
    }
    if (status < 0)
        return 1;
    if (scope->signature == NULL) {
        scope->signature = scope->signature_end = body; /* an empty OpDef */
    }
    return read_signature(scope);
}

/* The GraphDef: nodes (field 1) and one library (field 2) of functions (its field 1). */
static int read_graph(Scopes *scopes, const uint8_t *buffer, const uint8_t *body, const uint8_t *end) {
    Field field, inner;
    int status, libraries = 0;
    Scope *top = scopes_add(scopes);
    if (top == NULL)
        return -1;
    top->args = PyList_New(0);
    if (top->args == NULL)
        return -1;
    const uint8_t *library = NULL, *library_end = NULL;
    while ((status = next_field(&body, end, &field)) == 1) {
        if (field.number == 1 || field.number == 2) {
            if (field.type != 2)
                return 1;
        }
        if (field.number == 1) {
            if (offsets_push(&top->starts, field.value - buffer) < 0 || offsets_push(&top->ends, field.end - buffer) < 0)
                return -1;
        } else if (field.number == 2) {
            if (++libraries > 1)
                return 1;
            library = field.value;
            library_end = field.end;
        }
    }
    if (status < 0)
        return 1;
    while (library && (status = next_field(&library, library_end, &inner)) == 1) {
        if (inner.number == 1) {
            if (inner.type != 2)
                return 1;
            int result = read_function(scopes, inner.value, inner.end, buffer);
            if (result)
                return result;
        }
    }
    if (library && status < 0)
        return 1;
    return 0;
}

/* ---- the index ---------------------------------------------------------------------- */

typedef struct {
    const uint8_t *text;
    Py_ssize_t length;
    PyObject *op;      /* the interned op type */
    int calls, layout_op;
} OpEntry;

#define OP_CACHE 1024 /* direct-mapped: a model has few op types, a hostile one only misses more */

typedef struct {
    PyObject *names, *ops, *calling, *nchw, *named, *empty;
    Ints in_start, src, index, dst, pos;
    uint8_t *kind, *strings;
    OpEntry *op_cache;
    Py_ssize_t size;
} Index;

enum { PLAIN = 0, CALLING = 1, ARGUMENT = 2 };

static const char *NCHW[] = {"NCHW", "NCDHW", "NCHW_VECT_C"};

#define RECENT 8 /* nodes before the current one whose names an input is first compared with */

/* The interned op type of these bytes and whether it may run a function or ignores
 * ``data_format``: decoded and looked up once per op type, not once per node. NULL: error. */
static OpEntry *op_type(Index *index, const uint8_t *text, Py_ssize_t length, PyObject *calling_ops,
                        PyObject *function_names, PyObject *no_layout) {
    OpEntry *entry = &index->op_cache[hash_bytes(text, length) & (OP_CACHE - 1)];
    if (entry->op != NULL && entry->length == length && memcmp(entry->text, text, (size_t)length) == 0)
        return entry;
    PyObject *op = decode(text, length);
    if (op == NULL)
        return NULL;
    PyUnicode_InternInPlace(&op);
    int calls = PySet_Contains(calling_ops, op);
    if (calls == 0)
        calls = PySet_Contains(function_names, op);
    int layout_op = calls < 0 ? -1 : PySet_Contains(no_layout, op);
    if (calls < 0 || layout_op < 0) {
        Py_DECREF(op);
        return NULL;
    }
    Py_XSETREF(entry->op, op);
    entry->text = text;
    entry->length = length;
    entry->calls = calls;
    entry->layout_op = layout_op;
    return entry;
}

/* Pass over one scope: names, ops, kinds and layouts (1), then every data input (2). */
static int index_scope(Index *index, Scope *scope, Py_ssize_t scope_number, int32_t base, const uint8_t *buffer,
                       PyObject *calling_ops, PyObject *function_names, PyObject *no_layout, PyObject **ids_out) {
    Py_ssize_t count = scope->starts.size, args = PyList_GET_SIZE(scope->args);
    Table names, arg_table;
    Node node;
    int result = -1;
    PyObject *ids = PyDict_New();
    const uint8_t **recent_text = PyMem_Malloc(((size_t)count + 1) * sizeof(uint8_t *));
    Py_ssize_t *recent_length = PyMem_Malloc(((size_t)count + 1) * sizeof(Py_ssize_t));
    names.slots = arg_table.slots = NULL;
    if (recent_text == NULL || recent_length == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    if (ids == NULL || table_init(&names, count) < 0 || table_init(&arg_table, args) < 0)
        goto done;
    for (Py_ssize_t i = 0; i < count; i++) {
        const uint8_t *body = buffer + scope->starts.data[i], *end = buffer + scope->ends.data[i];
        if (read_node(body, end, &node) < 0) {
            result = 1;
            goto done;
        }
        Slot *slot = table_find(&names, node.name, node.name_length);
        if (slot->text != NULL) { /* a repeated node name: the last wins, left to the Python reader */
            result = 1;
            goto done;
        }
        slot->text = node.name;
        slot->length = (int32_t)node.name_length;
        slot->value = (int32_t)i;
        recent_text[i] = node.name;
        recent_length[i] = node.name_length;
        PyObject *name = decode(node.name, node.name_length);
        if (name == NULL) {
            PyErr_Clear();
            result = 1;
            goto done;
        }
        OpEntry *op = op_type(index, node.op, node.op_length, calling_ops, function_names, no_layout);
        if (op == NULL) {
            Py_DECREF(name);
            if (PyErr_Occurred() && !PyErr_ExceptionMatches(PyExc_UnicodeDecodeError))
                goto done;
            PyErr_Clear();
            result = 1;
            goto done;
        }
        PyObject *position = PyLong_FromSsize_t(i);
        int failed = position == NULL || PyDict_SetItem(ids, name, position) < 0 ||
                     PyList_Append(index->names, name) < 0 || PyList_Append(index->ops, op->op) < 0;
        Py_XDECREF(position);
        Py_DECREF(name);
        if (failed)
            goto done;
        int32_t id = base + (int32_t)i;
        if (node.value != NULL)
            index->strings[id] = (uint8_t)may_be_string_tensor(node.value, node.value_length);
        int calls = op->calls, layout_op = op->layout_op;
        if (calls) {
            index->kind[id] = CALLING;
            if (append_new(index->calling, PyLong_FromLong(id)) < 0)
                goto done;
        }
        if (!layout_op && node.layout != NULL) {
            AttrValue layout;
            if (read_attr_value(node.layout, node.layout_length, &layout) < 0) {
                result = 1;
                goto done;
            }
            const uint8_t *text = layout.s;
            Py_ssize_t length = layout.s_length;
            for (int k = 0; k < 3; k++) {
                if ((Py_ssize_t)strlen(NCHW[k]) == length && memcmp(NCHW[k], text, (size_t)length) == 0) {
                    if (append_new(index->nchw, Py_BuildValue("(iy#)", id, (const char *)text, length)) < 0)
                        goto done;
                }
            }
        }
    }
    for (Py_ssize_t a = 0; a < args; a++) { /* arguments: first of a repeated name wins */
        PyObject *arg = PyList_GET_ITEM(scope->args, a);
        Py_ssize_t length;
        const char *text = PyUnicode_AsUTF8AndSize(arg, &length);
        if (text == NULL)
            goto done;
        Slot *slot = table_find(&arg_table, (const uint8_t *)text, length);
        if (slot->text == NULL) {
            slot->text = (const uint8_t *)text;
            slot->length = (int32_t)length;
            slot->value = (int32_t)a;
        }
        if (PyList_Append(index->names, arg) < 0 || PyList_Append(index->ops, index->empty) < 0)
            goto done;
        index->kind[base + count + a] = ARGUMENT;
    }
    /* edges, in consumer order */
    for (Py_ssize_t i = 0; i < count; i++) {
        Field field;
        const uint8_t *cursor = buffer + scope->starts.data[i], *end = buffer + scope->ends.data[i];
        int32_t id = base + (int32_t)i, slot_number = 0;
        int status;
        if (ints_push(&index->in_start, (int32_t)index->src.size) < 0)
            goto done;
        while ((status = next_field(&cursor, end, &field)) == 1) {
            if (field.number != 3)
                continue;
            const uint8_t *raw = field.value;
            Py_ssize_t length = field.end - field.value;
            int32_t producer = -1, output = 0;
            Slot *arg = scope->name ? table_find(&arg_table, raw, length) : NULL;
            if (arg != NULL && arg->text != NULL) {
                producer = base + (int32_t)count + arg->value;
                output = arg->value;
            } else {
                if (length > 0 && raw[0] == '^')
                    continue;
                const uint8_t *colon = memchr(raw, ':', (size_t)length);
                Py_ssize_t head = colon ? colon - raw : length;
                int32_t found = -1;
                for (Py_ssize_t back = i - 1; back >= 0 && back >= i - RECENT; back--) {
                    if (recent_length[back] == head && memcmp(recent_text[back], raw, (size_t)head) == 0) {
                        found = (int32_t)back; /* most inputs name a node just before: no hashing */
                        break;
                    }
                }
                if (found < 0) {
                    Slot *local = table_find(&names, raw, head);
                    found = local->text != NULL ? local->value : -1;
                }
                if (found >= 0) {
                    producer = base + found;
                    if (colon != NULL) {
                        const uint8_t *part = colon + 1, *stop = raw + length;
                        const uint8_t *second = memchr(part, ':', (size_t)(stop - part));
                        if (second == NULL) {
                            output = output_index(part, stop - part);
                        } else {
                            const uint8_t *third = memchr(second + 1, ':', (size_t)(stop - second - 1));
                            const uint8_t *text_end = third ? third : stop;
                            if (!(second - part == 6 && memcmp(part, "output", 6) == 0) && index->kind[producer] == CALLING) {
                                /* an output named by a called function: Python resolves it */
                                PyObject *entry = Py_BuildValue("(nns#)", index->src.size, scope_number,
                                                                (const char *)raw, length);
                                if (entry == NULL) {
                                    PyErr_Clear();
                                    result = 1;
                                    goto done;
                                }
                                int failed = PyList_Append(index->named, entry);
                                Py_DECREF(entry);
                                if (failed)
                                    goto done;
                            } else {
                                output = output_index(second + 1, text_end - second - 1);
                            }
                        }
                    }
                }
            }
            if (ints_push(&index->src, producer) < 0 || ints_push(&index->index, output) < 0 ||
                ints_push(&index->dst, id) < 0 || ints_push(&index->pos, slot_number) < 0)
                goto done;
            slot_number++;
        }
        if (status < 0) {
            result = 1;
            goto done;
        }
    }
    for (Py_ssize_t a = 0; a < args; a++)
        if (ints_push(&index->in_start, (int32_t)index->src.size) < 0)
            goto done;
    result = 0;
done:
    PyMem_Free(recent_text);
    PyMem_Free(recent_length);
    table_free(&names);
    table_free(&arg_table);
    if (result == 0) {
        *ids_out = ids;
    } else {
        Py_XDECREF(ids);
    }
    return result;
}

static PyObject *offsets_bytes(const Offsets *offsets) {
    return PyBytes_FromStringAndSize((const char *)offsets->data, offsets->size * (Py_ssize_t)sizeof(int64_t));
}

PyDoc_STRVAR(graph_index_doc,
"graph_index(data, start, end, calling_ops, no_layout) -> tuple | None\n\n"
"(scopes, names, ops, kind, calling, nchw, named, in_start, src, index, dst, pos, strings)\n"
"The GraphIndex tables of the GraphDef payload data[start:end], or None when it holds\n"
"something only a full protobuf parse models exactly.");

static PyObject *graph_index(PyObject *Py_UNUSED(module), PyObject *args) {
    Py_buffer view;
    Py_ssize_t start, end;
    PyObject *calling_ops, *no_layout, *result = NULL, *function_names = NULL, *scope_list = NULL;
    Scopes scopes = {0};
    Index index;
    memset(&index, 0, sizeof(index));
    if (!PyArg_ParseTuple(args, "y*nnOO", &view, &start, &end, &calling_ops, &no_layout))
        return NULL;
    if (start < 0 || end < start || end > view.len || !PyAnySet_Check(calling_ops) || !PyAnySet_Check(no_layout)) {
        PyErr_SetString(PyExc_ValueError, "graph_index: bad span or sets");
        goto done;
    }
    const uint8_t *buffer = view.buf;
    int status = read_graph(&scopes, buffer, buffer + start, buffer + end);
    if (status < 0)
        goto done;
    if (status > 0) {
        result = Py_NewRef(Py_None);
        goto done;
    }
    function_names = PySet_New(NULL);
    if (function_names == NULL)
        goto done;
    Py_ssize_t size = 0;
    for (Py_ssize_t s = 0; s < scopes.size; s++) {
        Scope *scope = &scopes.items[s];
        if (s > 0) { /* a repeated or empty function name: one index scope per name cannot hold it */
            int seen = PySet_Contains(function_names, scope->name);
            if (seen < 0)
                goto done;
            if (seen || PyUnicode_GET_LENGTH(scope->name) == 0) {
                result = Py_NewRef(Py_None);
                goto done;
            }
            if (PySet_Add(function_names, scope->name) < 0)
                goto done;
        }
        size += scope->starts.size + PyList_GET_SIZE(scope->args);
    }
    if (size >= 0x7FFFFFFF) {
        result = Py_NewRef(Py_None);
        goto done;
    }
    index.size = size;
    index.kind = PyMem_Calloc((size_t)size + 1, 1);
    index.strings = PyMem_Calloc((size_t)size + 1, 1);
    index.op_cache = PyMem_Calloc(OP_CACHE, sizeof(OpEntry));
    index.names = PyList_New(0);
    index.ops = PyList_New(0);
    index.calling = PyList_New(0);
    index.nchw = PyList_New(0);
    index.named = PyList_New(0);
    index.empty = PyUnicode_FromStringAndSize("", 0);
    scope_list = PyList_New(0);
    if (index.kind == NULL || index.strings == NULL || index.op_cache == NULL || !index.names || !index.ops || !index.calling || !index.nchw || !index.named || !index.empty || !scope_list)
        goto done;
    int32_t base = 0;
    for (Py_ssize_t s = 0; s < scopes.size; s++) {
        Scope *scope = &scopes.items[s];
        PyObject *ids = NULL;
        status = index_scope(&index, scope, s, base, buffer, calling_ops, function_names, no_layout, &ids);
        if (status < 0)
            goto done;
        if (status > 0) {
            result = Py_NewRef(Py_None);
            goto done;
        }
        PyObject *starts = offsets_bytes(&scope->starts), *ends = offsets_bytes(&scope->ends);
        PyObject *entry = (starts && ends) ? Py_BuildValue("(OOOOO)", scope->name ? scope->name : Py_None, ids,
                                                           starts, ends, scope->args) : NULL;
        Py_XDECREF(starts);
        Py_XDECREF(ends);
        Py_DECREF(ids);
        if (append_new(scope_list, entry) < 0)
            goto done;
        base += (int32_t)(scope->starts.size + PyList_GET_SIZE(scope->args));
    }
    if (ints_push(&index.in_start, (int32_t)index.src.size) < 0)
        goto done;
    PyObject *kind = PyByteArray_FromStringAndSize((const char *)index.kind, size);
    PyObject *strings = PyByteArray_FromStringAndSize((const char *)index.strings, size);
    PyObject *arrays[5] = {ints_bytes(&index.in_start), ints_bytes(&index.src), ints_bytes(&index.index),
                           ints_bytes(&index.dst), ints_bytes(&index.pos)};
    if (kind && strings && arrays[0] && arrays[1] && arrays[2] && arrays[3] && arrays[4])
        result = Py_BuildValue("(OOOOOOOOOOOOO)", scope_list, index.names, index.ops, kind, index.calling, index.nchw,
                               index.named, arrays[0], arrays[1], arrays[2], arrays[3], arrays[4], strings);
    Py_XDECREF(kind);
    Py_XDECREF(strings);
    for (int k = 0; k < 5; k++)
        Py_XDECREF(arrays[k]);
done:
    PyBuffer_Release(&view);
    scopes_free(&scopes);
    Py_XDECREF(function_names);
    Py_XDECREF(scope_list);
    Py_XDECREF(index.names);
    Py_XDECREF(index.ops);
    Py_XDECREF(index.calling);
    Py_XDECREF(index.nchw);
    Py_XDECREF(index.named);
    Py_XDECREF(index.empty);
    PyMem_Free(index.kind);
    PyMem_Free(index.strings);
    if (index.op_cache != NULL) {
        for (int k = 0; k < OP_CACHE; k++)
            Py_XDECREF(index.op_cache[k].op);
        PyMem_Free(index.op_cache);
    }
    PyMem_Free(index.in_start.data);
    PyMem_Free(index.src.data);
    PyMem_Free(index.index.data);
    PyMem_Free(index.dst.data);
    PyMem_Free(index.pos.data);
    return result;
}

/* ---- the skeleton: the SavedModel without its NodeDefs ----------------------------------- */

enum { SAVED_MODEL, META_GRAPH, GRAPH, LIBRARY, FUNCTION };

typedef struct {
    PyObject *spans; /* per meta graph: (start, end) of its GraphDef payload, or None */
    int graph_defs;  /* in the current meta graph */
} Plan;

/* The field (level, number) leads one level down (>= 0), is dropped (-2), or is copied (-1). */
static int route(int level, const Field *field) {
    if (field->type != 2)
        return -1;
    switch (level) {
    case SAVED_MODEL:
        return field->number == 2 ? META_GRAPH : -1;
    case META_GRAPH:
        return field->number == 2 ? GRAPH : -1;
    case GRAPH:
        return field->number == 1 ? -2 : field->number == 2 ? LIBRARY : -1;
    case LIBRARY:
        return field->number == 1 ? FUNCTION : -1;
    case FUNCTION:
        return field->number == 3 ? -2 : -1;
    }
    return -1;
}

/* Size of the skeleton of a payload at ``level``; writes it at *out when out is not NULL.
 * -1: malformed or a repeated graph_def / library (merged by upb): bail. */
static Py_ssize_t skeleton(int level, const uint8_t *body, const uint8_t *end, uint8_t **out) {
    Field field;
    int status, graphs = 0, libraries = 0;
    Py_ssize_t total = 0;
    while ((status = next_field(&body, end, &field)) == 1) {
        if ((level == META_GRAPH && field.number == 2) || (level == GRAPH && field.number == 2) ||
            (level == SAVED_MODEL && field.number == 2) || (level == LIBRARY && field.number == 1) ||
            (level == FUNCTION && field.number == 3) || (level == GRAPH && field.number == 1)) {
            if (field.type != 2)
                return -1; /* a known field with another wire type: upb keeps it as unknown */
        }
        if (level == META_GRAPH && field.number == 2 && ++graphs > 1)
            return -1;
        if (level == GRAPH && field.number == 2 && ++libraries > 1)
            return -1;
        int next = route(level, &field);
        if (next == -2)
            continue;
        if (next == -1) {
            Py_ssize_t length = field.end - field.start;
            if (out) {
                memcpy(*out, field.start, (size_t)length);
                *out += length;
            }
            total += length;
            continue;
        }
        Py_ssize_t inner = skeleton(next, field.value, field.end, NULL);
        if (inner < 0)
            return -1;
        uint64_t tag = ((uint64_t)field.number << 3) | 2; /* re-encoded with the new length */
        Py_ssize_t header = (Py_ssize_t)(varint_size(tag) + varint_size((uint64_t)inner));
        if (out) {
            *out = write_varint(*out, tag);
            *out = write_varint(*out, (uint64_t)inner);
            if (skeleton(next, field.value, field.end, out) < 0)
                return -1;
        }
        total += header + inner;
    }
    return status < 0 ? -1 : total;
}

/* (start, end) of each meta graph's GraphDef payload, or None where it has none. */
static int graph_spans(const uint8_t *buffer, Py_ssize_t length, PyObject *spans) {
    Field field, inner;
    const uint8_t *cursor = buffer, *end = buffer + length;
    int status;
    while ((status = next_field(&cursor, end, &field)) == 1) {
        if (field.number != 2 || field.type != 2)
            continue;
        const uint8_t *meta = field.value;
        PyObject *span = Py_None;
        Py_INCREF(span);
        int meta_status;
        while ((meta_status = next_field(&meta, field.end, &inner)) == 1) {
            if (inner.number == 2 && inner.type == 2) {
                Py_DECREF(span);
                span = Py_BuildValue("(nn)", (Py_ssize_t)(inner.value - buffer), (Py_ssize_t)(inner.end - buffer));
                if (span == NULL)
                    return -1;
            }
        }
        int failed = meta_status < 0 ? 1 : PyList_Append(spans, span) < 0 ? -1 : 0;
        Py_DECREF(span);
        if (failed)
            return failed;
    }
    return status < 0 ? 1 : 0;
}

PyDoc_STRVAR(plan_doc,
"plan(data) -> (skeleton, spans) | None\n\n"
"The SavedModel without the NodeDefs of its graphs and functions (every other byte kept),\n"
"and where each meta graph's GraphDef lies in data; None when only upb models it exactly.");

static PyObject *plan(PyObject *Py_UNUSED(module), PyObject *args) {
    Py_buffer view;
    PyObject *result = NULL, *spans = NULL, *bytes = NULL;
    if (!PyArg_ParseTuple(args, "y*", &view))
        return NULL;
    const uint8_t *buffer = view.buf, *end = buffer + view.len;
    Py_ssize_t size = skeleton(SAVED_MODEL, buffer, end, NULL);
    if (size < 0) {
        result = Py_NewRef(Py_None);
        goto done;
    }
    bytes = PyBytes_FromStringAndSize(NULL, size);
    spans = PyList_New(0);
    if (bytes == NULL || spans == NULL)
        goto done;
    uint8_t *out = (uint8_t *)PyBytes_AS_STRING(bytes);
    if (skeleton(SAVED_MODEL, buffer, end, &out) != size) {
        PyErr_SetString(PyExc_RuntimeError, "plan: skeleton size changed between passes");
        goto done;
    }
    int status = graph_spans(buffer, view.len, spans);
    if (status < 0)
        goto done;
    if (status > 0) {
        result = Py_NewRef(Py_None);
        goto done;
    }
    result = PyTuple_Pack(2, bytes, spans);
done:
    PyBuffer_Release(&view);
    Py_XDECREF(bytes);
    Py_XDECREF(spans);
    return result;
}

/* ---- validation envelopes ------------------------------------------------------------ */

PyDoc_STRVAR(envelope_doc,
"envelope(data, starts, ends, first, limit, in_function) -> (bytes, next)\n\n"
"A SavedModel holding NodeDefs first.. of one scope (at least one, about limit bytes) at the\n"
"depth they have in the model: parsing it with upb checks those nodes exactly as a parse of\n"
"the whole file would, one bounded piece at a time.");

static PyObject *envelope(PyObject *Py_UNUSED(module), PyObject *args) {
    Py_buffer view, starts, ends;
    Py_ssize_t first, limit;
    int in_function;
    PyObject *result = NULL;
    if (!PyArg_ParseTuple(args, "y*y*y*nnp", &view, &starts, &ends, &first, &limit, &in_function))
        return NULL;
    const int64_t *start = starts.buf, *stop = ends.buf;
    Py_ssize_t count = starts.len / (Py_ssize_t)sizeof(int64_t), last = first;
    uint64_t nodes = 0;
    if (ends.len != starts.len || first < 0 || first >= count) {
        PyErr_SetString(PyExc_ValueError, "envelope: bad node range");
        goto done;
    }
    for (; last < count && (last == first || nodes < (uint64_t)limit); last++) {
        if (start[last] < 0 || stop[last] < start[last] || stop[last] > view.len) {
            PyErr_SetString(PyExc_ValueError, "envelope: node outside the buffer");
            goto done;
        }
        uint64_t length = (uint64_t)(stop[last] - start[last]);
        nodes += 1 + varint_size(length) + length;
    }
    /* graph: SavedModel{2: MetaGraphDef{2: GraphDef{1: node...}}};
     * function: SavedModel{2: MetaGraphDef{2: GraphDef{2: FunctionDefLibrary{1: FunctionDef{3: node...}}}}} */
    uint64_t sizes[4];
    int levels = in_function ? 4 : 2;
    uint64_t inner = nodes;
    for (int level = 0; level < levels; level++) {
        sizes[level] = inner;
        inner = 1 + varint_size(inner) + inner;
    }
    PyObject *bytes = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)inner);
    if (bytes == NULL)
        goto done;
    uint8_t *out = (uint8_t *)PyBytes_AS_STRING(bytes);
    static const uint8_t function_tags[4] = {0x0A, 0x12, 0x12, 0x12}; /* FunctionDef, library, graph_def, meta */
    static const uint8_t graph_tags[2] = {0x12, 0x12};                /* graph_def, meta */
    for (int level = levels - 1; level >= 0; level--) {
        *out++ = in_function ? function_tags[level] : graph_tags[level];
        out = write_varint(out, sizes[level]);
    }
    uint8_t node_tag = in_function ? 0x1A : 0x0A;
    for (Py_ssize_t i = first; i < last; i++) {
        uint64_t length = (uint64_t)(stop[i] - start[i]);
        *out++ = node_tag;
        out = write_varint(out, length);
        memcpy(out, (const uint8_t *)view.buf + start[i], (size_t)length);
        out += length;
    }
    result = Py_BuildValue("(Nn)", bytes, last);
done:
    PyBuffer_Release(&view);
    PyBuffer_Release(&starts);
    PyBuffer_Release(&ends);
    return result;
}

/* ---- edges by producer, and the data-flow floods --------------------------------------- */

PyDoc_STRVAR(by_producer_doc,
"by_producer(src, dst, pos, size) -> (out_start, out_dst, out_pos)\n\n"
"The edges sorted by producer (stable; unknown producers, -1, first) as int32 bytes:\n"
"a node's consumers are out_dst[out_start[id]:out_start[id + 1]].");

static PyObject *by_producer(PyObject *Py_UNUSED(module), PyObject *args) {
    Py_buffer src, dst, pos;
    Py_ssize_t size;
    PyObject *result = NULL;
    if (!PyArg_ParseTuple(args, "y*y*y*n", &src, &dst, &pos, &size))
        return NULL;
    Py_ssize_t edges = src.len / 4;
    int32_t *start = NULL;
    PyObject *out_start = NULL, *out_dst = NULL, *out_pos = NULL;
    if (dst.len != src.len || pos.len != src.len || size < 0) {
        PyErr_SetString(PyExc_ValueError, "by_producer: arrays differ in length");
        goto done;
    }
    const int32_t *s = src.buf, *d = dst.buf, *p = pos.buf;
    start = PyMem_Calloc((size_t)size + 2, sizeof(int32_t)); /* slot 0: producer -1 */
    out_start = PyBytes_FromStringAndSize(NULL, (size + 1) * 4);
    out_dst = PyBytes_FromStringAndSize(NULL, edges * 4);
    out_pos = PyBytes_FromStringAndSize(NULL, edges * 4);
    if (!start || !out_start || !out_dst || !out_pos)
        goto done;
    for (Py_ssize_t e = 0; e < edges; e++) {
        if (s[e] < -1 || s[e] >= size) {
            PyErr_SetString(PyExc_ValueError, "by_producer: producer out of range");
            goto done;
        }
    }
    int32_t *counts = PyMem_Calloc((size_t)size + 1, sizeof(int32_t));
    if (counts == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t e = 0; e < edges; e++)
        counts[s[e] + 1]++;
    int32_t *starts_out = (int32_t *)PyBytes_AS_STRING(out_start);
    int32_t running = 0;
    for (Py_ssize_t k = 0; k <= size; k++) { /* start[k] = first edge of producer k - 1 */
        start[k] = running;
        running += counts[k];
    }
    for (Py_ssize_t k = 0; k < size; k++)
        starts_out[k] = start[k + 1];
    starts_out[size] = running;
    PyMem_Free(counts);
    int32_t *od = (int32_t *)PyBytes_AS_STRING(out_dst), *op = (int32_t *)PyBytes_AS_STRING(out_pos);
    for (Py_ssize_t e = 0; e < edges; e++) {
        int32_t at = start[s[e] + 1]++;
        od[at] = d[e];
        op[at] = p[e];
    }
    result = PyTuple_Pack(3, out_start, out_dst, out_pos);
done:
    PyMem_Free(start);
    Py_XDECREF(out_start);
    Py_XDECREF(out_dst);
    Py_XDECREF(out_pos);
    PyBuffer_Release(&src);
    PyBuffer_Release(&dst);
    PyBuffer_Release(&pos);
    return result;
}

typedef Ints Stack;

static int stack_push(Stack *stack, int32_t value) { return ints_push(stack, value); }

static int seed(Stack *stack, PyObject *seeds) {
    PyObject *iterator = PyObject_GetIter(seeds), *item;
    if (iterator == NULL)
        return -1;
    while ((item = PyIter_Next(iterator)) != NULL) {
        long value = PyLong_AsLong(item);
        Py_DECREF(item);
        if ((value == -1 && PyErr_Occurred()) || stack_push(stack, (int32_t)value) < 0) {
            Py_DECREF(iterator);
            return -1;
        }
    }
    Py_DECREF(iterator);
    return PyErr_Occurred() ? -1 : 0;
}

PyDoc_STRVAR(forward_doc,
"forward(out_start, out_dst, calls_out, seeds, visited, reached) -> list\n\n"
"Flood from seeds along consumer edges, marking visited and reached (bytearrays); returns\n"
"the visited nodes in calls_out (a bytearray of flags), whose data enters called functions:\n"
"the caller adds those arguments as new seeds.");

static PyObject *forward(PyObject *Py_UNUSED(module), PyObject *args) {
    Py_buffer out_start, out_dst, calls_out, visited, reached;
    PyObject *seeds, *result = NULL;
    Stack stack = {0};
    if (!PyArg_ParseTuple(args, "y*y*y*Ow*w*", &out_start, &out_dst, &calls_out, &seeds, &visited, &reached))
        return NULL;
    Py_ssize_t size = visited.len;
    const int32_t *starts = out_start.buf, *dst = out_dst.buf;
    const uint8_t *calls = calls_out.buf;
    uint8_t *seen = visited.buf, *hit = reached.buf;
    Py_ssize_t edges = out_dst.len / 4;
    if (reached.len != size || calls_out.len != size || out_start.len != (size + 1) * 4) {
        PyErr_SetString(PyExc_ValueError, "forward: arrays differ in size");
        goto done;
    }
    PyObject *found = PyList_New(0);
    if (found == NULL || seed(&stack, seeds) < 0) {
        Py_XDECREF(found);
        goto done;
    }
    while (stack.size) {
        int32_t current = stack.data[--stack.size];
        if (current < 0 || current >= size || seen[current])
            continue;
        seen[current] = 1;
        int32_t low = starts[current], high = starts[current + 1];
        if (low < 0 || high > edges || low > high)
            continue;
        for (int32_t e = low; e < high; e++) {
            int32_t consumer = dst[e];
            if (consumer < 0 || consumer >= size)
                continue;
            hit[consumer] = 1;
            if (!seen[consumer] && stack_push(&stack, consumer) < 0) {
                Py_DECREF(found);
                goto done;
            }
        }
        if (calls[current] && append_new(found, PyLong_FromLong(current)) < 0) {
            Py_DECREF(found);
            goto done;
        }
    }
    result = found;
done:
    PyMem_Free(stack.data);
    PyBuffer_Release(&out_start);
    PyBuffer_Release(&out_dst);
    PyBuffer_Release(&calls_out);
    PyBuffer_Release(&visited);
    PyBuffer_Release(&reached);
    return result;
}

PyDoc_STRVAR(backward_doc,
"backward(in_start, edge_src, edge_index, kind, stamp, mark, edges, visited) -> list\n\n"
"Walk input edges (a list of edge numbers) back through plain nodes: each plain node not yet\n"
"stamped with mark is stamped, appended to visited (a list) and its input edges followed.\n"
"Returns the (node, output index) pairs met that are not plain (arguments and nodes that\n"
"may run a function): the caller handles those and calls again with their edges.");

static PyObject *backward(PyObject *Py_UNUSED(module), PyObject *args) {
    Py_buffer in_start, edge_src, edge_index, kind, stamp;
    PyObject *edges, *visited, *result = NULL;
    int mark;
    Stack stack = {0};
    if (!PyArg_ParseTuple(args, "y*y*y*y*w*iOO", &in_start, &edge_src, &edge_index, &kind, &stamp, &mark, &edges,
                          &visited))
        return NULL;
    Py_ssize_t size = kind.len, count = edge_src.len / 4;
    const int32_t *starts = in_start.buf, *src = edge_src.buf, *index = edge_index.buf;
    const uint8_t *kinds = kind.buf;
    int32_t *stamps = stamp.buf;
    PyObject *found = NULL;
    if (stamp.len != size * 4 || in_start.len != (size + 1) * 4 || edge_index.len != edge_src.len ||
        !PyList_Check(visited)) {
        PyErr_SetString(PyExc_ValueError, "backward: arrays differ in size");
        goto done;
    }
    found = PyList_New(0);
    if (found == NULL || seed(&stack, edges) < 0)
        goto done;
    while (stack.size) {
        int32_t edge = stack.data[--stack.size];
        if (edge < 0 || edge >= count)
            continue;
        int32_t current = src[edge];
        if (current < 0 || current >= size)
            continue;
        if (kinds[current] != PLAIN) {
            if (append_new(found, Py_BuildValue("(ii)", current, index[edge])) < 0)
                goto done;
            continue;
        }
        if (stamps[current] == mark)
            continue;
        stamps[current] = mark;
        if (append_new(visited, PyLong_FromLong(current)) < 0)
            goto done;
        int32_t low = starts[current], high = starts[current + 1];
        if (low < 0 || high > count || low > high)
            continue;
        for (int32_t e = high - 1; e >= low; e--)
            if (stack_push(&stack, e) < 0)
                goto done;
    }
    result = found;
    found = NULL;
done:
    Py_XDECREF(found);
    PyMem_Free(stack.data);
    PyBuffer_Release(&in_start);
    PyBuffer_Release(&edge_src);
    PyBuffer_Release(&edge_index);
    PyBuffer_Release(&kind);
    PyBuffer_Release(&stamp);
    return result;
}

PyDoc_STRVAR(ops_on_doc,
"ops_on(ops, flags, nodes) -> set\n\n"
"The op types of the nodes (an iterable of ids) whose flag (a bytearray) is set.");

static PyObject *ops_on(PyObject *Py_UNUSED(module), PyObject *args) {
    PyObject *ops, *nodes, *result = NULL, *iterator = NULL, *item;
    Py_buffer flags;
    if (!PyArg_ParseTuple(args, "O!y*O", &PyList_Type, &ops, &flags, &nodes))
        return NULL;
    const uint8_t *flag = flags.buf;
    Py_ssize_t size = flags.len;
    result = PySet_New(NULL);
    iterator = result ? PyObject_GetIter(nodes) : NULL;
    if (iterator == NULL)
        goto fail;
    while ((item = PyIter_Next(iterator)) != NULL) {
        Py_ssize_t id = PyLong_AsSsize_t(item);
        Py_DECREF(item);
        if (id == -1 && PyErr_Occurred())
            goto fail;
        if (id >= 0 && id < size && id < PyList_GET_SIZE(ops) && flag[id] &&
            PySet_Add(result, PyList_GET_ITEM(ops, id)) < 0)
            goto fail;
    }
    if (PyErr_Occurred())
        goto fail;
    Py_DECREF(iterator);
    PyBuffer_Release(&flags);
    return result;
fail:
    Py_XDECREF(iterator);
    Py_XDECREF(result);
    PyBuffer_Release(&flags);
    return NULL;
}

static PyMethodDef methods[] = {
    {"plan", plan, METH_VARARGS, plan_doc},
    {"graph_index", graph_index, METH_VARARGS, graph_index_doc},
    {"envelope", envelope, METH_VARARGS, envelope_doc},
    {"by_producer", by_producer, METH_VARARGS, by_producer_doc},
    {"forward", forward, METH_VARARGS, forward_doc},
    {"backward", backward, METH_VARARGS, backward_doc},
    {"ops_on", ops_on, METH_VARARGS, ops_on_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "speclint._wire",
    "The graph index read straight from a SavedModel's wire format (an optional accelerator).", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__wire(void) {
    PyObject *os = PyImport_ImportModule("os");
    PyObject *key = os ? PyObject_CallMethod(os, "urandom", "i", 16) : NULL;
    Py_XDECREF(os);
    if (key == NULL)
        return NULL;
    if (!PyBytes_Check(key) || PyBytes_GET_SIZE(key) != 16) {
        Py_DECREF(key);
        PyErr_SetString(PyExc_RuntimeError, "os.urandom gave no 16-byte key");
        return NULL;
    }
    memcpy(hash_key, PyBytes_AS_STRING(key), 16);
    Py_DECREF(key);
    return PyModule_Create(&module_def);
}
