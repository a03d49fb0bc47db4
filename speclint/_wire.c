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
 *
 * One convention inside: a function that can fail returns a Result (below): RESULT_OK,
 * RESULT_BAIL (not modelled exactly: the Python function returns None and the caller parses
 * with upb; no exception is set) or RESULT_ERROR (a Python exception is set, MemoryError most
 * often, and propagates). Functions that answer a question return their answer.
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

/* Prefixed: Windows' headers define ERROR. */
typedef enum {
    RESULT_OK = 0,
    RESULT_BAIL = 1,   /* not modelled exactly: hand the model back to the full (upb) parse */
    RESULT_ERROR = -1, /* a Python exception is set */
} Result;

/* ---- wire format -------------------------------------------------------------------- */

/* The wire types of a tag's low three bits (upb/wire/types.h). Groups (3, 4) are deprecated
 * and never in a SavedModel: next_field treats them as malformed, so the caller bails. */
typedef enum {
    WIRE_VARINT = 0,
    WIRE_I64 = 1,
    WIRE_LEN = 2, /* length-delimited: bytes, strings, messages, packed repeated */
    WIRE_START_GROUP = 3,
    WIRE_END_GROUP = 4,
    WIRE_I32 = 5,
} WireType;

#define TAG(number, type) ((uint8_t)(((number) << 3) | (type))) /* one byte: field numbers < 16 */

/* The field numbers of the messages read, from speclint/proto/tensorflow_subset.proto (the
 * subset of TensorFlow's protos that speclint reads; their paths in TensorFlow's tree). */
enum { SAVEDMODEL_META_GRAPHS = 2 };                   /* tensorflow/core/protobuf/saved_model.proto */
enum { METAGRAPHDEF_GRAPH_DEF = 2 };                   /* tensorflow/core/protobuf/meta_graph.proto */
enum { GRAPHDEF_NODE = 1, GRAPHDEF_LIBRARY = 2 };      /* tensorflow/core/framework/graph.proto */
enum { FUNCTIONDEFLIBRARY_FUNCTION = 1 };              /* tensorflow/core/framework/function.proto */
enum { FUNCTIONDEF_SIGNATURE = 1, FUNCTIONDEF_NODE_DEF = 3 };             /* ditto */
enum { OPDEF_NAME = 1, OPDEF_INPUT_ARG = 2 };          /* tensorflow/core/framework/op_def.proto */
enum { ARGDEF_NAME = 1 };                              /* ditto, OpDef.ArgDef */
enum { NODEDEF_NAME = 1, NODEDEF_OP = 2, NODEDEF_INPUT = 3, NODEDEF_ATTR = 5 }; /* framework/node_def.proto */
enum { MAPENTRY_KEY = 1, MAPENTRY_VALUE = 2 };         /* the entry of any map<K, V> (NodeDef.attr) */
enum {                                                 /* tensorflow/core/framework/attr_value.proto */
    ATTRVALUE_LIST = 1,                                /* the oneof ``value``, every member */
    ATTRVALUE_S = 2,
    ATTRVALUE_I = 3,
    ATTRVALUE_F = 4,
    ATTRVALUE_B = 5,
    ATTRVALUE_TYPE = 6,
    ATTRVALUE_SHAPE = 7,
    ATTRVALUE_TENSOR = 8,
    ATTRVALUE_PLACEHOLDER = 9,
    ATTRVALUE_FUNC = 10,
};
enum { TENSORPROTO_DTYPE = 1 };                        /* tensorflow/core/framework/tensor.proto */
enum { DT_STRING = 7 };                                /* tensorflow/core/framework/types.proto */

typedef struct {
    uint32_t number;
    WireType type;
    const uint8_t *start;   /* the tag's first byte */
    const uint8_t *value;   /* length-delimited: the payload */
    const uint8_t *end;     /* the end of the field (and of a payload) */
} Field;

/* The fields of one message payload, read in order by next_field. */
typedef struct {
    const uint8_t *cursor, *end;
    int malformed; /* next_field stopped at bytes that are no field, or at a group: bail */
} Fields;

static Fields fields_of(const uint8_t *body, const uint8_t *end) {
    Fields fields = {body, end, 0};
    return fields;
}

#define BIT(number) (1u << (number))

/* Whether a field of ``known`` (a set of BIT(number), numbers below 32), every one of them
 * length-delimited in the .proto, came with another wire type: upb keeps such a field as an
 * unknown one, which this reader does not model, so the caller bails. */
static int mistyped(const Field *field, uint32_t known) {
    return field->number < 32 && (known & BIT(field->number)) && field->type != WIRE_LEN;
}

/* RESULT_BAIL: the bytes end inside the varint, or it has more than ten. */
static Result read_varint(const uint8_t **cursor, const uint8_t *end, uint64_t *out) {
    const uint8_t *p = *cursor;
    uint64_t result = 0;
    for (int shift = 0; shift < 64 && p < end; shift += 7) {
        uint8_t byte = *p++;
        result |= (uint64_t)(byte & 0x7F) << shift;
        if (!(byte & 0x80)) {
            *cursor = p;
            *out = result;
            return RESULT_OK;
        }
    }
    return RESULT_BAIL;
}

/* Whether a field was read into *field; not at the end of the payload, nor at malformed bytes
 * or a group (then fields->malformed is set and the caller bails). */
static int next_field(Fields *fields, Field *field) {
    const uint8_t *p = fields->cursor, *end = fields->end;
    uint64_t tag, size;
    if (p >= end)
        return 0;
    field->start = p;
    if (read_varint(&p, end, &tag) != RESULT_OK || (tag >> 3) == 0 || (tag >> 3) > 0x1FFFFFFF)
        goto malformed;
    field->number = (uint32_t)(tag >> 3);
    field->type = (WireType)(tag & 7);
    switch (field->type) {
    case WIRE_VARINT:
        if (read_varint(&p, end, &size) != RESULT_OK)
            goto malformed;
        break;
    case WIRE_I64:
        if (end - p < 8)
            goto malformed;
        p += 8;
        break;
    case WIRE_LEN:
        if (read_varint(&p, end, &size) != RESULT_OK || size > (uint64_t)(end - p))
            goto malformed;
        field->value = p;
        p += size;
        break;
    case WIRE_I32:
        if (end - p < 4)
            goto malformed;
        p += 4;
        break;
    case WIRE_START_GROUP:
    case WIRE_END_GROUP:
    default:
        goto malformed;
    }
    field->end = p;
    fields->cursor = p;
    return 1;
malformed:
    fields->malformed = 1;
    return 0;
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

/* Room for one more element of ``size`` bytes in a doubling buffer; RESULT_ERROR: MemoryError. */
static Result reserve(void **data, Py_ssize_t used, Py_ssize_t *capacity, size_t size) {
    if (used < *capacity)
        return RESULT_OK;
    Py_ssize_t grown = *capacity ? *capacity * 2 : 1024;
    void *bigger = PyMem_Realloc(*data, (size_t)grown * size);
    if (bigger == NULL) {
        PyErr_NoMemory();
        return RESULT_ERROR;
    }
    *data = bigger;
    *capacity = grown;
    return RESULT_OK;
}

typedef struct {
    int32_t *data;
    Py_ssize_t size, capacity;
} Ints;

static Result ints_push(Ints *ints, int32_t value) {
    if (reserve((void **)&ints->data, ints->size, &ints->capacity, sizeof(int32_t)) != RESULT_OK)
        return RESULT_ERROR;
    ints->data[ints->size++] = value;
    return RESULT_OK;
}

static PyObject *ints_bytes(const Ints *ints) {
    return PyBytes_FromStringAndSize((const char *)ints->data, ints->size * (Py_ssize_t)sizeof(int32_t));
}

typedef struct {
    int64_t *data;
    Py_ssize_t size, capacity;
} Offsets;

static Result offsets_push(Offsets *offsets, int64_t value) {
    if (reserve((void **)&offsets->data, offsets->size, &offsets->capacity, sizeof(int64_t)) != RESULT_OK)
        return RESULT_ERROR;
    offsets->data[offsets->size++] = value;
    return RESULT_OK;
}

static PyObject *offsets_bytes(const Offsets *offsets) {
    return PyBytes_FromStringAndSize((const char *)offsets->data, offsets->size * (Py_ssize_t)sizeof(int64_t));
}

/* Append a new reference to ``list`` and drop ours; a NULL ``item`` (its error set) included. */
static Result append_new(PyObject *list, PyObject *item) {
    if (item == NULL)
        return RESULT_ERROR;
    int failed = PyList_Append(list, item);
    Py_DECREF(item);
    return failed ? RESULT_ERROR : RESULT_OK;
}

/* ---- names by their bytes ------------------------------------------------------------- */

/* SipHash-1-3 (Aumasson and Bernstein) with a key drawn at import (the module state), as Python
 * hashes str: names come from an attacker's file, and a fixed hash would let one make every
 * name collide. */
typedef struct {
    uint64_t hash_key[2];
} WireState;

#define ROTATE(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                                                    \
    do {                                                                                            \
        v0 += v1; v1 = ROTATE(v1, 13); v1 ^= v0; v0 = ROTATE(v0, 32);                               \
        v2 += v3; v3 = ROTATE(v3, 16); v3 ^= v2;                                                    \
        v0 += v3; v3 = ROTATE(v3, 21); v3 ^= v0;                                                    \
        v2 += v1; v1 = ROTATE(v1, 17); v1 ^= v2; v2 = ROTATE(v2, 32);                               \
    } while (0)

static inline uint64_t hash_bytes(const uint64_t key[2], const uint8_t *text, Py_ssize_t length) {
    uint64_t v0 = key[0] ^ 0x736f6d6570736575ULL, v1 = key[1] ^ 0x646f72616e646f6dULL;
    uint64_t v2 = key[0] ^ 0x6c7967656e657261ULL, v3 = key[1] ^ 0x7465646279746573ULL;
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

typedef struct {
    const uint8_t *text;
    int32_t length; /* names are shorter than a file protobuf can parse (< 2 GiB) */
    int32_t value;
} Slot;

typedef struct {
    Slot *slots;
    size_t mask;
    const uint64_t *key; /* the module's hash key */
} Table; /* open addressing over byte strings that live in the caller's buffer */

static Result table_init(Table *table, Py_ssize_t entries, const uint64_t key[2]) {
    size_t size = 16;
    while (size < (size_t)entries * 2 + 2)
        size <<= 1;
    table->slots = PyMem_Calloc(size, sizeof(Slot));
    table->mask = size - 1;
    table->key = key;
    if (table->slots == NULL) {
        PyErr_NoMemory();
        return RESULT_ERROR;
    }
    return RESULT_OK;
}

static void table_free(Table *table) {
    PyMem_Free(table->slots);
    table->slots = NULL;
}

static inline Slot *table_find(const Table *table, const uint8_t *text, Py_ssize_t length) {
    size_t i = (size_t)hash_bytes(table->key, text, length) & table->mask;
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

/* One NodeDef.attr map entry: its key and value payloads (key = "" and value = NULL when
 * absent). A repeated message value merges: RESULT_BAIL, left to upb. */
static Result read_attr_entry(const uint8_t *body, const uint8_t *end, const uint8_t **key, Py_ssize_t *key_length,
                              const uint8_t **value, Py_ssize_t *value_length) {
    Field field;
    Fields fields = fields_of(body, end);
    int values = 0;
    *key = (const uint8_t *)"";
    *key_length = 0;
    *value = NULL;
    *value_length = 0;
    while (next_field(&fields, &field)) {
        if (mistyped(&field, BIT(MAPENTRY_KEY) | BIT(MAPENTRY_VALUE)))
            return RESULT_BAIL;
        if (field.number == MAPENTRY_KEY) {
            *key = field.value;
            *key_length = field.end - field.value;
        } else if (field.number == MAPENTRY_VALUE) {
            *value = field.value;
            *value_length = field.end - field.value;
            values++;
        }
    }
    return fields.malformed || values > 1 ? RESULT_BAIL : RESULT_OK;
}

/* RESULT_OK or RESULT_BAIL. Strings are the last occurrence (proto3 scalars), as upb keeps them. */
static Result read_node(const uint8_t *body, const uint8_t *end, Node *node) {
    Field field;
    Fields fields = fields_of(body, end);
    node->name = node->op = node->layout = (const uint8_t *)"";
    node->name_length = node->op_length = node->layout_length = 0;
    node->value = NULL;
    node->value_length = 0;
    int has_layout = 0;
    while (next_field(&fields, &field)) {
        if (mistyped(&field, BIT(NODEDEF_NAME) | BIT(NODEDEF_OP) | BIT(NODEDEF_INPUT) | BIT(NODEDEF_ATTR)))
            return RESULT_BAIL;
        if (field.number == NODEDEF_NAME) {
            node->name = field.value;
            node->name_length = field.end - field.value;
        } else if (field.number == NODEDEF_OP) {
            node->op = field.value;
            node->op_length = field.end - field.value;
        } else if (field.number == NODEDEF_ATTR) {
            const uint8_t *key, *value;
            Py_ssize_t key_length, value_length;
            if (read_attr_entry(field.value, field.end, &key, &key_length, &value, &value_length) != RESULT_OK)
                return RESULT_BAIL;
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
    if (fields.malformed)
        return RESULT_BAIL;
    if (!has_layout)
        node->layout = NULL;
    return RESULT_OK;
}

/* What speclint reads of an AttrValue: which member of its ``value`` oneof was set last (0: none;
 * ATTRVALUE_S, ATTRVALUE_TENSOR...), ``s`` when that is it, and the tensor's ``dtype`` when
 * ``tensor`` is. RESULT_BAIL: a member with another wire type or a malformed payload. */
typedef struct {
    uint32_t last;
    const uint8_t *s;
    Py_ssize_t s_length;
    uint64_t dtype;
} AttrValue;

/* The wire type of each member of AttrValue's oneof (field numbers 1 to 10). */
static WireType attr_value_wire_type(uint32_t number) {
    switch (number) {
    case ATTRVALUE_F:
        return WIRE_I32;
    case ATTRVALUE_I:
    case ATTRVALUE_B:
    case ATTRVALUE_TYPE:
        return WIRE_VARINT;
    default: /* list, s, shape, tensor, placeholder, func */
        return WIRE_LEN;
    }
}

/* The dtype of a TensorProto payload into *dtype (repeated occurrences merge: the last wins). */
static Result read_tensor_dtype(const uint8_t *body, const uint8_t *end, uint64_t *dtype) {
    Field field;
    Fields fields = fields_of(body, end);
    while (next_field(&fields, &field)) {
        if (field.number == TENSORPROTO_DTYPE) {
            const uint8_t *number = field.start;
            uint64_t tag;
            if (field.type != WIRE_VARINT || read_varint(&number, field.end, &tag) != RESULT_OK ||
                read_varint(&number, field.end, dtype) != RESULT_OK)
                return RESULT_BAIL;
        }
    }
    return fields.malformed ? RESULT_BAIL : RESULT_OK;
}

static Result read_attr_value(const uint8_t *value, Py_ssize_t length, AttrValue *attr) {
    Field field;
    Fields fields = fields_of(value, value + length);
    attr->last = 0;
    attr->s = (const uint8_t *)"";
    attr->s_length = 0;
    attr->dtype = 0;
    while (next_field(&fields, &field)) {
        if (field.number < ATTRVALUE_LIST || field.number > ATTRVALUE_FUNC)
            continue;
        if (field.type != attr_value_wire_type(field.number))
            return RESULT_BAIL;
        if (field.number == ATTRVALUE_S) {
            attr->s = field.value;
            attr->s_length = field.end - field.value;
        } else if (field.number == ATTRVALUE_TENSOR) {
            if (attr->last != ATTRVALUE_TENSOR)
                attr->dtype = 0; /* the oneof switched (back) to tensor: a fresh TensorProto */
            if (read_tensor_dtype(field.value, field.end, &attr->dtype) != RESULT_OK)
                return RESULT_BAIL;
        }
        attr->last = field.number;
    }
    if (fields.malformed)
        return RESULT_BAIL;
    if (attr->last != ATTRVALUE_S) {
        attr->s = (const uint8_t *)"";
        attr->s_length = 0;
    }
    return RESULT_OK;
}

/* Whether the ``value`` attribute may be a DT_STRING tensor: 0 only when certainly not, so a
 * reader may skip parsing the node to look; anything unusual counts as may. */
static int may_be_string_tensor(const uint8_t *value, Py_ssize_t length) {
    AttrValue attr;
    if (read_attr_value(value, length, &attr) != RESULT_OK)
        return 1;
    return attr.last == ATTRVALUE_TENSOR && (attr.dtype & 0xFFFFFFFFu) == DT_STRING;
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
    if (reserve((void **)&scopes->items, scopes->size, &scopes->capacity, sizeof(Scope)) != RESULT_OK)
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

/* Where a NodeDef payload lies in the buffer, appended to the scope's offsets. */
static Result scope_add_node(Scope *scope, const Field *field, const uint8_t *buffer) {
    if (offsets_push(&scope->starts, field->value - buffer) != RESULT_OK ||
        offsets_push(&scope->ends, field->end - buffer) != RESULT_OK)
        return RESULT_ERROR;
    return RESULT_OK;
}

/* Name of an ArgDef (last wins); RESULT_OK or RESULT_BAIL. */
static Result arg_name(const uint8_t *body, const uint8_t *end, const uint8_t **name, Py_ssize_t *length) {
    Field field;
    Fields fields = fields_of(body, end);
    *name = (const uint8_t *)"";
    *length = 0;
    while (next_field(&fields, &field)) {
        if (field.number == ARGDEF_NAME) {
            if (field.type != WIRE_LEN)
                return RESULT_BAIL;
            *name = field.value;
            *length = field.end - field.value;
        }
    }
    return fields.malformed ? RESULT_BAIL : RESULT_OK;
}

/* Decoded as UTF-8 and appended to ``list``: RESULT_BAIL when the bytes are not UTF-8. */
static Result append_decoded(PyObject *list, const uint8_t *text, Py_ssize_t length) {
    PyObject *decoded = decode(text, length);
    if (decoded == NULL) {
        PyErr_Clear();
        return RESULT_BAIL;
    }
    return append_new(list, decoded);
}

/* Read the OpDef of a function: its name and input argument names. */
static Result read_signature(Scope *scope) {
    Field field;
    Fields fields = fields_of(scope->signature, scope->signature_end);
    const uint8_t *name = (const uint8_t *)"";
    Py_ssize_t name_length = 0;
    scope->args = PyList_New(0);
    if (scope->args == NULL)
        return RESULT_ERROR;
    while (next_field(&fields, &field)) {
        if (mistyped(&field, BIT(OPDEF_NAME) | BIT(OPDEF_INPUT_ARG)))
            return RESULT_BAIL;
        if (field.number == OPDEF_NAME) {
            name = field.value;
            name_length = field.end - field.value;
        } else if (field.number == OPDEF_INPUT_ARG) {
            const uint8_t *arg;
            Py_ssize_t arg_length;
            if (arg_name(field.value, field.end, &arg, &arg_length) != RESULT_OK)
                return RESULT_BAIL;
            Result appended = append_decoded(scope->args, arg, arg_length);
            if (appended != RESULT_OK)
                return appended;
        }
    }
    if (fields.malformed)
        return RESULT_BAIL;
    scope->name = decode(name, name_length);
    if (scope->name == NULL) {
        PyErr_Clear();
        return RESULT_BAIL;
    }
    return RESULT_OK;
}

/* The FunctionDef: one signature (a repeated one merges: bail) and its node_defs. */
static Result read_function(Scopes *scopes, const uint8_t *body, const uint8_t *end, const uint8_t *buffer) {
    Field field;
    Fields fields = fields_of(body, end);
    int signatures = 0;
    Scope *scope = scopes_add(scopes);
    if (scope == NULL)
        return RESULT_ERROR;
    while (next_field(&fields, &field)) {
        if (mistyped(&field, BIT(FUNCTIONDEF_SIGNATURE) | BIT(FUNCTIONDEF_NODE_DEF)))
            return RESULT_BAIL;
        if (field.number == FUNCTIONDEF_SIGNATURE) {
            if (++signatures > 1)
                return RESULT_BAIL;
            scope->signature = field.value;
            scope->signature_end = field.end;
        } else if (field.number == FUNCTIONDEF_NODE_DEF) {
            if (scope_add_node(scope, &field, buffer) != RESULT_OK)
                return RESULT_ERROR;
        }
    }
    if (fields.malformed)
        return RESULT_BAIL;
    if (scope->signature == NULL) {
        scope->signature = scope->signature_end = end; /* an empty OpDef */
    }
    return read_signature(scope);
}

/* The functions of a FunctionDefLibrary payload, one scope each. */
static Result read_library(Scopes *scopes, const uint8_t *body, const uint8_t *end, const uint8_t *buffer) {
    Field field;
    Fields fields = fields_of(body, end);
    while (next_field(&fields, &field)) {
        if (field.number == FUNCTIONDEFLIBRARY_FUNCTION) {
            if (field.type != WIRE_LEN)
                return RESULT_BAIL;
            Result result = read_function(scopes, field.value, field.end, buffer);
            if (result != RESULT_OK)
                return result;
        }
    }
    return fields.malformed ? RESULT_BAIL : RESULT_OK;
}

/* The GraphDef: its nodes (the first scope) and one library (a repeated one merges: bail). */
static Result read_graph(Scopes *scopes, const uint8_t *buffer, const uint8_t *body, const uint8_t *end) {
    Field field;
    Fields fields = fields_of(body, end);
    int libraries = 0;
    Scope *top = scopes_add(scopes);
    if (top == NULL)
        return RESULT_ERROR;
    top->args = PyList_New(0);
    if (top->args == NULL)
        return RESULT_ERROR;
    const uint8_t *library = NULL, *library_end = NULL;
    while (next_field(&fields, &field)) {
        if (mistyped(&field, BIT(GRAPHDEF_NODE) | BIT(GRAPHDEF_LIBRARY)))
            return RESULT_BAIL;
        if (field.number == GRAPHDEF_NODE) {
            if (scope_add_node(top, &field, buffer) != RESULT_OK)
                return RESULT_ERROR;
        } else if (field.number == GRAPHDEF_LIBRARY) {
            if (++libraries > 1)
                return RESULT_BAIL;
            library = field.value;
            library_end = field.end;
        }
    }
    if (fields.malformed)
        return RESULT_BAIL;
    return library ? read_library(scopes, library, library_end, buffer) : RESULT_OK;
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
    const uint64_t *key;                                /* the module's hash key */
    PyObject *calling_ops, *function_names, *no_layout; /* sets (borrowed) */
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
static OpEntry *op_type(Index *index, const uint8_t *text, Py_ssize_t length) {
    OpEntry *entry = &index->op_cache[hash_bytes(index->key, text, length) & (OP_CACHE - 1)];
    if (entry->op != NULL && entry->length == length && memcmp(entry->text, text, (size_t)length) == 0)
        return entry;
    PyObject *op = decode(text, length);
    if (op == NULL)
        return NULL;
    PyUnicode_InternInPlace(&op);
    int calls = PySet_Contains(index->calling_ops, op);
    if (calls == 0)
        calls = PySet_Contains(index->function_names, op);
    int layout_op = calls < 0 ? -1 : PySet_Contains(index->no_layout, op);
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

/* One scope being indexed: its nodes (ids base..), then its arguments, then every data input. */
typedef struct {
    Index *index;
    const Scope *scope;
    Py_ssize_t number;           /* the scope's place in the list handed to Python */
    int32_t base;                /* the id of its first node */
    Py_ssize_t count;            /* its nodes */
    const uint8_t *buffer;
    Table names, args;           /* node name -> position; argument name -> position (first wins) */
    const uint8_t **recent_text; /* every node's name, for the look-back over RECENT nodes */
    Py_ssize_t *recent_length;
    PyObject *ids;               /* node name -> position, handed to Python */
} ScopeWalk;

static void scope_walk_free(ScopeWalk *walk) {
    PyMem_Free(walk->recent_text);
    PyMem_Free(walk->recent_length);
    table_free(&walk->names);
    table_free(&walk->args);
    Py_XDECREF(walk->ids);
}

static Result scope_walk_init(ScopeWalk *walk, Index *index, const Scope *scope, Py_ssize_t number, int32_t base,
                              const uint8_t *buffer) {
    memset(walk, 0, sizeof(*walk));
    walk->index = index;
    walk->scope = scope;
    walk->number = number;
    walk->base = base;
    walk->count = scope->starts.size;
    walk->buffer = buffer;
    walk->ids = PyDict_New();
    walk->recent_text = PyMem_Malloc(((size_t)walk->count + 1) * sizeof(uint8_t *));
    walk->recent_length = PyMem_Malloc(((size_t)walk->count + 1) * sizeof(Py_ssize_t));
    if (walk->recent_text == NULL || walk->recent_length == NULL) {
        PyErr_NoMemory();
        return RESULT_ERROR;
    }
    if (walk->ids == NULL || table_init(&walk->names, walk->count, index->key) != RESULT_OK ||
        table_init(&walk->args, PyList_GET_SIZE(scope->args), index->key) != RESULT_OK)
        return RESULT_ERROR;
    return RESULT_OK;
}

/* A node whose ``data_format`` names a channels-first layout joins index->nchw as (id, layout). */
static Result note_layout(Index *index, int32_t id, const Node *node) {
    AttrValue layout;
    if (read_attr_value(node->layout, node->layout_length, &layout) != RESULT_OK)
        return RESULT_BAIL;
    const uint8_t *text = layout.s;
    Py_ssize_t length = layout.s_length;
    for (int k = 0; k < 3; k++) {
        if ((Py_ssize_t)strlen(NCHW[k]) == length && memcmp(NCHW[k], text, (size_t)length) == 0) {
            if (append_new(index->nchw, Py_BuildValue("(iy#)", id, (const char *)text, length)) != RESULT_OK)
                return RESULT_ERROR;
        }
    }
    return RESULT_OK;
}

/* Node i of the scope: its name (a repeated one: bail, the last wins in the Python reader), op
 * type, kind, string flag and layout. */
static Result index_node(ScopeWalk *walk, Py_ssize_t i) {
    Index *index = walk->index;
    Node node;
    if (read_node(walk->buffer + walk->scope->starts.data[i], walk->buffer + walk->scope->ends.data[i], &node) !=
        RESULT_OK)
        return RESULT_BAIL;
    Slot *slot = table_find(&walk->names, node.name, node.name_length);
    if (slot->text != NULL)
        return RESULT_BAIL;
    slot->text = node.name;
    slot->length = (int32_t)node.name_length;
    slot->value = (int32_t)i;
    walk->recent_text[i] = node.name;
    walk->recent_length[i] = node.name_length;
    PyObject *name = decode(node.name, node.name_length);
    if (name == NULL) {
        PyErr_Clear();
        return RESULT_BAIL;
    }
    OpEntry *op = op_type(index, node.op, node.op_length);
    if (op == NULL) {
        Py_DECREF(name);
        if (PyErr_Occurred() && !PyErr_ExceptionMatches(PyExc_UnicodeDecodeError))
            return RESULT_ERROR;
        PyErr_Clear();
        return RESULT_BAIL;
    }
    PyObject *position = PyLong_FromSsize_t(i);
    int failed = position == NULL || PyDict_SetItem(walk->ids, name, position) < 0 ||
                 PyList_Append(index->names, name) < 0 || PyList_Append(index->ops, op->op) < 0;
    Py_XDECREF(position);
    Py_DECREF(name);
    if (failed)
        return RESULT_ERROR;
    int32_t id = walk->base + (int32_t)i;
    if (node.value != NULL)
        index->strings[id] = (uint8_t)may_be_string_tensor(node.value, node.value_length);
    if (op->calls) {
        index->kind[id] = CALLING;
        if (append_new(index->calling, PyLong_FromLong(id)) != RESULT_OK)
            return RESULT_ERROR;
    }
    if (!op->layout_op && node.layout != NULL)
        return note_layout(index, id, &node);
    return RESULT_OK;
}

/* The function's arguments, after its nodes (ids base + count..); of a repeated name the first
 * wins when an input names it. */
static Result index_arguments(ScopeWalk *walk) {
    Index *index = walk->index;
    Py_ssize_t args = PyList_GET_SIZE(walk->scope->args);
    for (Py_ssize_t a = 0; a < args; a++) {
        PyObject *arg = PyList_GET_ITEM(walk->scope->args, a);
        Py_ssize_t length;
        const char *text = PyUnicode_AsUTF8AndSize(arg, &length);
        if (text == NULL)
            return RESULT_ERROR;
        Slot *slot = table_find(&walk->args, (const uint8_t *)text, length);
        if (slot->text == NULL) {
            slot->text = (const uint8_t *)text;
            slot->length = (int32_t)length;
            slot->value = (int32_t)a;
        }
        if (PyList_Append(index->names, arg) < 0 || PyList_Append(index->ops, index->empty) < 0)
            return RESULT_ERROR;
        index->kind[walk->base + walk->count + a] = ARGUMENT;
    }
    return RESULT_OK;
}

/* The position of the node named raw[:head] in the scope, -1 when none: first among the RECENT
 * nodes before node i (most inputs name a node just before: no hashing), then by the table. */
static int32_t find_producer(const ScopeWalk *walk, Py_ssize_t i, const uint8_t *raw, Py_ssize_t head) {
    for (Py_ssize_t back = i - 1; back >= 0 && back >= i - RECENT; back--) {
        if (walk->recent_length[back] == head && memcmp(walk->recent_text[back], raw, (size_t)head) == 0)
            return (int32_t)back;
    }
    Slot *local = table_find(&walk->names, raw, head);
    return local->text != NULL ? local->value : -1;
}

/* The output index of the input raw ("node", "node:3" or "node:name:3") whose producer is
 * ``producer``, into *output (left 0 where none). "node:name:3" of a node that may call a
 * function names one of its outputs: recorded in index->named as (edge, scope, input) for
 * Python to resolve. */
static Result output_of(ScopeWalk *walk, int32_t producer, const uint8_t *raw, Py_ssize_t length,
                        const uint8_t *colon, int32_t *output) {
    Index *index = walk->index;
    const uint8_t *part = colon + 1, *stop = raw + length;
    const uint8_t *second = memchr(part, ':', (size_t)(stop - part));
    if (second == NULL) {
        *output = output_index(part, stop - part);
        return RESULT_OK;
    }
    const uint8_t *third = memchr(second + 1, ':', (size_t)(stop - second - 1));
    const uint8_t *text_end = third ? third : stop;
    if ((second - part == 6 && memcmp(part, "output", 6) == 0) || index->kind[producer] != CALLING) {
        *output = output_index(second + 1, text_end - second - 1);
        return RESULT_OK;
    }
    /* an output named by a called function: Python resolves it */
    PyObject *entry = Py_BuildValue("(nns#)", index->src.size, walk->number, (const char *)raw, length);
    if (entry == NULL) {
        PyErr_Clear();
        return RESULT_BAIL;
    }
    return append_new(index->named, entry);
}

/* The data inputs of node i as edges (producer, output index, consumer, slot), in order;
 * control inputs (^node) are no edges. An unknown producer is -1. */
static Result index_inputs(ScopeWalk *walk, Py_ssize_t i) {
    Index *index = walk->index;
    Field field;
    Fields fields = fields_of(walk->buffer + walk->scope->starts.data[i], walk->buffer + walk->scope->ends.data[i]);
    int32_t id = walk->base + (int32_t)i, slot_number = 0;
    if (ints_push(&index->in_start, (int32_t)index->src.size) != RESULT_OK)
        return RESULT_ERROR;
    while (next_field(&fields, &field)) {
        if (field.number != NODEDEF_INPUT)
            continue;
        const uint8_t *raw = field.value;
        Py_ssize_t length = field.end - field.value;
        int32_t producer = -1, output = 0;
        Slot *arg = walk->scope->name ? table_find(&walk->args, raw, length) : NULL;
        if (arg != NULL && arg->text != NULL) {
            producer = walk->base + (int32_t)walk->count + arg->value;
            output = arg->value;
        } else {
            if (length > 0 && raw[0] == '^')
                continue;
            const uint8_t *colon = memchr(raw, ':', (size_t)length);
            int32_t found = find_producer(walk, i, raw, colon ? colon - raw : length);
            if (found >= 0) {
                producer = walk->base + found;
                if (colon != NULL) {
                    Result result = output_of(walk, producer, raw, length, colon, &output);
                    if (result != RESULT_OK)
                        return result;
                }
            }
        }
        if (ints_push(&index->src, producer) != RESULT_OK || ints_push(&index->index, output) != RESULT_OK ||
            ints_push(&index->dst, id) != RESULT_OK || ints_push(&index->pos, slot_number) != RESULT_OK)
            return RESULT_ERROR;
        slot_number++;
    }
    return fields.malformed ? RESULT_BAIL : RESULT_OK;
}

/* One scope into the index: names, ops, kinds and layouts of its nodes, then its arguments,
 * then every data input. *ids: node name -> position in the scope (a new reference). */
static Result index_scope(Index *index, const Scope *scope, Py_ssize_t number, int32_t base, const uint8_t *buffer,
                          PyObject **ids) {
    ScopeWalk walk;
    Py_ssize_t args = PyList_GET_SIZE(scope->args);
    Result result = scope_walk_init(&walk, index, scope, number, base, buffer);
    for (Py_ssize_t i = 0; result == RESULT_OK && i < walk.count; i++)
        result = index_node(&walk, i);
    if (result == RESULT_OK)
        result = index_arguments(&walk);
    for (Py_ssize_t i = 0; result == RESULT_OK && i < walk.count; i++) /* edges, in consumer order */
        result = index_inputs(&walk, i);
    for (Py_ssize_t a = 0; result == RESULT_OK && a < args; a++) /* arguments: no inputs */
        result = ints_push(&index->in_start, (int32_t)index->src.size);
    if (result == RESULT_OK) {
        *ids = walk.ids;
        walk.ids = NULL;
    }
    scope_walk_free(&walk);
    return result;
}

/* Every function has a name of its own (a repeated or empty one: one index scope per name cannot
 * hold it, bail), collected in index->function_names; *size: the nodes and arguments of all
 * scopes. */
static Result name_functions(Index *index, const Scopes *scopes, Py_ssize_t *size) {
    *size = 0;
    for (Py_ssize_t s = 0; s < scopes->size; s++) {
        const Scope *scope = &scopes->items[s];
        if (s > 0) {
            int seen = PySet_Contains(index->function_names, scope->name);
            if (seen < 0)
                return RESULT_ERROR;
            if (seen || PyUnicode_GET_LENGTH(scope->name) == 0)
                return RESULT_BAIL;
            if (PySet_Add(index->function_names, scope->name) < 0)
                return RESULT_ERROR;
        }
        *size += scope->starts.size + PyList_GET_SIZE(scope->args);
    }
    return *size >= 0x7FFFFFFF ? RESULT_BAIL : RESULT_OK;
}

static Result index_init(Index *index, Py_ssize_t size) {
    index->size = size;
    index->kind = PyMem_Calloc((size_t)size + 1, 1);
    index->strings = PyMem_Calloc((size_t)size + 1, 1);
    index->op_cache = PyMem_Calloc(OP_CACHE, sizeof(OpEntry));
    if (index->kind == NULL || index->strings == NULL || index->op_cache == NULL) {
        PyErr_NoMemory();
        return RESULT_ERROR;
    }
    index->names = PyList_New(0);
    index->ops = PyList_New(0);
    index->calling = PyList_New(0);
    index->nchw = PyList_New(0);
    index->named = PyList_New(0);
    index->empty = PyUnicode_FromStringAndSize("", 0);
    if (!index->names || !index->ops || !index->calling || !index->nchw || !index->named || !index->empty)
        return RESULT_ERROR;
    return RESULT_OK;
}

static void index_free(Index *index) {
    Py_XDECREF(index->function_names);
    Py_XDECREF(index->names);
    Py_XDECREF(index->ops);
    Py_XDECREF(index->calling);
    Py_XDECREF(index->nchw);
    Py_XDECREF(index->named);
    Py_XDECREF(index->empty);
    PyMem_Free(index->kind);
    PyMem_Free(index->strings);
    if (index->op_cache != NULL) {
        for (int k = 0; k < OP_CACHE; k++)
            Py_XDECREF(index->op_cache[k].op);
        PyMem_Free(index->op_cache);
    }
    PyMem_Free(index->in_start.data);
    PyMem_Free(index->src.data);
    PyMem_Free(index->index.data);
    PyMem_Free(index->dst.data);
    PyMem_Free(index->pos.data);
}

/* Every scope indexed, each appended to scope_list as (name, ids, starts, ends, args). */
static Result index_scopes(Index *index, const Scopes *scopes, const uint8_t *buffer, PyObject *scope_list) {
    int32_t base = 0;
    for (Py_ssize_t s = 0; s < scopes->size; s++) {
        const Scope *scope = &scopes->items[s];
        PyObject *ids = NULL;
        Result result = index_scope(index, scope, s, base, buffer, &ids);
        if (result != RESULT_OK)
            return result;
        PyObject *starts = offsets_bytes(&scope->starts), *ends = offsets_bytes(&scope->ends);
        PyObject *entry = (starts && ends) ? Py_BuildValue("(OOOOO)", scope->name ? scope->name : Py_None, ids,
                                                           starts, ends, scope->args) : NULL;
        Py_XDECREF(starts);
        Py_XDECREF(ends);
        Py_DECREF(ids);
        if (append_new(scope_list, entry) != RESULT_OK)
            return RESULT_ERROR;
        base += (int32_t)(scope->starts.size + PyList_GET_SIZE(scope->args));
    }
    return ints_push(&index->in_start, (int32_t)index->src.size);
}

/* The 13 tables handed to Python (graph_index_doc); NULL: error. */
static PyObject *index_tables(const Index *index, PyObject *scope_list) {
    PyObject *result = NULL;
    PyObject *kind = PyByteArray_FromStringAndSize((const char *)index->kind, index->size);
    PyObject *strings = PyByteArray_FromStringAndSize((const char *)index->strings, index->size);
    PyObject *arrays[5] = {ints_bytes(&index->in_start), ints_bytes(&index->src), ints_bytes(&index->index),
                           ints_bytes(&index->dst), ints_bytes(&index->pos)};
    if (kind && strings && arrays[0] && arrays[1] && arrays[2] && arrays[3] && arrays[4])
        result = Py_BuildValue("(OOOOOOOOOOOOO)", scope_list, index->names, index->ops, kind, index->calling,
                               index->nchw, index->named, arrays[0], arrays[1], arrays[2], arrays[3], arrays[4],
                               strings);
    Py_XDECREF(kind);
    Py_XDECREF(strings);
    for (int k = 0; k < 5; k++)
        Py_XDECREF(arrays[k]);
    return result;
}

PyDoc_STRVAR(graph_index_doc,
"graph_index(data, start, end, calling_ops, no_layout) -> tuple | None\n\n"
"(scopes, names, ops, kind, calling, nchw, named, in_start, src, index, dst, pos, strings)\n"
"The GraphIndex tables of the GraphDef payload data[start:end], or None when it holds\n"
"something only a full protobuf parse models exactly.");

static PyObject *graph_index(PyObject *module, PyObject *args) {
    Py_buffer view;
    Py_ssize_t start, end, size = 0;
    PyObject *result = NULL, *scope_list = NULL;
    Scopes scopes = {0};
    Index index;
    memset(&index, 0, sizeof(index));
    if (!PyArg_ParseTuple(args, "y*nnOO", &view, &start, &end, &index.calling_ops, &index.no_layout))
        return NULL;
    if (start < 0 || end < start || end > view.len || !PyAnySet_Check(index.calling_ops) ||
        !PyAnySet_Check(index.no_layout)) {
        PyErr_SetString(PyExc_ValueError, "graph_index: bad span or sets");
        goto done;
    }
    const uint8_t *buffer = view.buf;
    index.key = ((WireState *)PyModule_GetState(module))->hash_key;
    Result status = read_graph(&scopes, buffer, buffer + start, buffer + end);
    if (status == RESULT_OK) {
        index.function_names = PySet_New(NULL);
        status = index.function_names ? name_functions(&index, &scopes, &size) : RESULT_ERROR;
    }
    if (status == RESULT_OK)
        status = index_init(&index, size);
    if (status == RESULT_OK) {
        scope_list = PyList_New(0);
        status = scope_list ? index_scopes(&index, &scopes, buffer, scope_list) : RESULT_ERROR;
    }
    if (status == RESULT_OK)
        result = index_tables(&index, scope_list);
    else if (status == RESULT_BAIL)
        result = Py_NewRef(Py_None);
done:
    PyBuffer_Release(&view);
    scopes_free(&scopes);
    Py_XDECREF(scope_list);
    index_free(&index);
    return result;
}

/* ---- the skeleton: the SavedModel without its NodeDefs ----------------------------------- */

/* The messages on the path from a SavedModel down to the NodeDefs. */
typedef enum { SAVED_MODEL, META_GRAPH, GRAPH, LIBRARY, FUNCTION, LEVELS } Level;

enum { DROP = -1 }; /* Route.next of the NodeDefs themselves */

/* The fields that lead from one level to the next (or, at the bottom, to the NodeDefs). Each is
 * a message (WIRE_LEN: another wire type makes upb keep it as unknown, so bail); a singular one
 * that repeats is merged by upb: bail too. Every other field is copied as it is. */
typedef struct {
    uint32_t number; /* 0: no route (field numbers start at 1) */
    int next;        /* a Level, or DROP */
    int singular;
} Route;

#define ROUTES_PER_LEVEL 2
static const Route ROUTES[LEVELS][ROUTES_PER_LEVEL] = {
    /* SAVED_MODEL */ {{SAVEDMODEL_META_GRAPHS, META_GRAPH, 0}},
    /* META_GRAPH */ {{METAGRAPHDEF_GRAPH_DEF, GRAPH, 1}},
    /* GRAPH */ {{GRAPHDEF_NODE, DROP, 0}, {GRAPHDEF_LIBRARY, LIBRARY, 1}},
    /* LIBRARY */ {{FUNCTIONDEFLIBRARY_FUNCTION, FUNCTION, 0}},
    /* FUNCTION */ {{FUNCTIONDEF_NODE_DEF, DROP, 0}},
};

/* The route of field ``number`` at ``level`` (its index in ROUTES[level]), or -1: copied. */
static int route(Level level, uint32_t number) {
    for (int r = 0; r < ROUTES_PER_LEVEL; r++)
        if (ROUTES[level][r].number == number)
            return r;
    return -1;
}

/* The size of the skeleton of a payload at ``level`` into *size; writes it at *out when out is
 * not NULL. RESULT_BAIL: malformed, or a route's field that upb would not read as we do. */
static Result skeleton(Level level, const uint8_t *body, const uint8_t *end, uint8_t **out, Py_ssize_t *size) {
    Field field;
    Fields fields = fields_of(body, end);
    int seen[ROUTES_PER_LEVEL] = {0};
    Py_ssize_t total = 0;
    while (next_field(&fields, &field)) {
        int r = route(level, field.number);
        if (r < 0) {
            Py_ssize_t length = field.end - field.start;
            if (out) {
                memcpy(*out, field.start, (size_t)length);
                *out += length;
            }
            total += length;
            continue;
        }
        if (field.type != WIRE_LEN)
            return RESULT_BAIL; /* a known field with another wire type: upb keeps it as unknown */
        const Route *to = &ROUTES[level][r];
        if (to->singular && ++seen[r] > 1)
            return RESULT_BAIL;
        if (to->next == DROP)
            continue;
        Py_ssize_t inner;
        if (skeleton((Level)to->next, field.value, field.end, NULL, &inner) != RESULT_OK)
            return RESULT_BAIL;
        uint64_t tag = ((uint64_t)field.number << 3) | WIRE_LEN; /* re-encoded with the new length */
        Py_ssize_t header = (Py_ssize_t)(varint_size(tag) + varint_size((uint64_t)inner));
        if (out) {
            *out = write_varint(*out, tag);
            *out = write_varint(*out, (uint64_t)inner);
            if (skeleton((Level)to->next, field.value, field.end, out, &inner) != RESULT_OK)
                return RESULT_BAIL;
        }
        total += header + inner;
    }
    if (fields.malformed)
        return RESULT_BAIL;
    *size = total;
    return RESULT_OK;
}

/* The (start, end) of a MetaGraphDef's GraphDef payload (the last one), or None. NULL: error. */
static PyObject *graph_span(const uint8_t *buffer, const uint8_t *body, const uint8_t *end, int *malformed) {
    Field field;
    Fields fields = fields_of(body, end);
    PyObject *span = Py_NewRef(Py_None);
    while (next_field(&fields, &field)) {
        if (field.number == METAGRAPHDEF_GRAPH_DEF && field.type == WIRE_LEN) {
            Py_DECREF(span);
            span = Py_BuildValue("(nn)", (Py_ssize_t)(field.value - buffer), (Py_ssize_t)(field.end - buffer));
            if (span == NULL)
                return NULL;
        }
    }
    *malformed = fields.malformed;
    return span;
}

/* (start, end) of each meta graph's GraphDef payload, or None where it has none. */
static Result graph_spans(const uint8_t *buffer, Py_ssize_t length, PyObject *spans) {
    Field field;
    Fields fields = fields_of(buffer, buffer + length);
    while (next_field(&fields, &field)) {
        if (field.number != SAVEDMODEL_META_GRAPHS || field.type != WIRE_LEN)
            continue;
        int malformed = 0;
        PyObject *span = graph_span(buffer, field.value, field.end, &malformed);
        if (span == NULL)
            return RESULT_ERROR;
        if (malformed) {
            Py_DECREF(span);
            return RESULT_BAIL;
        }
        if (append_new(spans, span) != RESULT_OK)
            return RESULT_ERROR;
    }
    return fields.malformed ? RESULT_BAIL : RESULT_OK;
}

PyDoc_STRVAR(plan_doc,
"plan(data) -> (skeleton, spans) | None\n\n"
"The SavedModel without the NodeDefs of its graphs and functions (every other byte kept),\n"
"and where each meta graph's GraphDef lies in data; None when only upb models it exactly.");

static PyObject *plan(PyObject *Py_UNUSED(module), PyObject *args) {
    Py_buffer view;
    PyObject *result = NULL, *spans = NULL, *bytes = NULL;
    Py_ssize_t size, written;
    if (!PyArg_ParseTuple(args, "y*", &view))
        return NULL;
    const uint8_t *buffer = view.buf, *end = buffer + view.len;
    if (skeleton(SAVED_MODEL, buffer, end, NULL, &size) != RESULT_OK) {
        result = Py_NewRef(Py_None);
        goto done;
    }
    bytes = PyBytes_FromStringAndSize(NULL, size);
    spans = PyList_New(0);
    if (bytes == NULL || spans == NULL)
        goto done;
    uint8_t *out = (uint8_t *)PyBytes_AS_STRING(bytes);
    if (skeleton(SAVED_MODEL, buffer, end, &out, &written) != RESULT_OK || written != size) {
        PyErr_SetString(PyExc_RuntimeError, "plan: skeleton size changed between passes");
        goto done;
    }
    Result status = graph_spans(buffer, view.len, spans);
    if (status == RESULT_ERROR)
        goto done;
    if (status == RESULT_BAIL) {
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
    /* graph: SavedModel{meta_graphs: MetaGraphDef{graph_def: GraphDef{node...}}};
     * function: SavedModel{meta_graphs: MetaGraphDef{graph_def: GraphDef{library:
     * FunctionDefLibrary{function: FunctionDef{node_def...}}}}} (the routes of the skeleton) */
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
    static const uint8_t function_tags[4] = {
        TAG(FUNCTIONDEFLIBRARY_FUNCTION, WIRE_LEN), TAG(GRAPHDEF_LIBRARY, WIRE_LEN),
        TAG(METAGRAPHDEF_GRAPH_DEF, WIRE_LEN), TAG(SAVEDMODEL_META_GRAPHS, WIRE_LEN)};
    static const uint8_t graph_tags[2] = {TAG(METAGRAPHDEF_GRAPH_DEF, WIRE_LEN), TAG(SAVEDMODEL_META_GRAPHS, WIRE_LEN)};
    for (int level = levels - 1; level >= 0; level--) {
        *out++ = in_function ? function_tags[level] : graph_tags[level];
        out = write_varint(out, sizes[level]);
    }
    uint8_t node_tag = in_function ? TAG(FUNCTIONDEF_NODE_DEF, WIRE_LEN) : TAG(GRAPHDEF_NODE, WIRE_LEN);
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

static Result stack_push(Stack *stack, int32_t value) { return ints_push(stack, value); }

/* The ids of an iterable of ints pushed on the stack. */
static Result seed(Stack *stack, PyObject *seeds) {
    PyObject *iterator = PyObject_GetIter(seeds), *item;
    if (iterator == NULL)
        return RESULT_ERROR;
    while ((item = PyIter_Next(iterator)) != NULL) {
        long value = PyLong_AsLong(item);
        Py_DECREF(item);
        if ((value == -1 && PyErr_Occurred()) || stack_push(stack, (int32_t)value) != RESULT_OK) {
            Py_DECREF(iterator);
            return RESULT_ERROR;
        }
    }
    Py_DECREF(iterator);
    return PyErr_Occurred() ? RESULT_ERROR : RESULT_OK;
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
    if (found == NULL || seed(&stack, seeds) != RESULT_OK) {
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
            if (!seen[consumer] && stack_push(&stack, consumer) != RESULT_OK) {
                Py_DECREF(found);
                goto done;
            }
        }
        if (calls[current] && append_new(found, PyLong_FromLong(current)) != RESULT_OK) {
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
    if (found == NULL || seed(&stack, edges) != RESULT_OK)
        goto done;
    while (stack.size) {
        int32_t edge = stack.data[--stack.size];
        if (edge < 0 || edge >= count)
            continue;
        int32_t current = src[edge];
        if (current < 0 || current >= size)
            continue;
        if (kinds[current] != PLAIN) {
            if (append_new(found, Py_BuildValue("(ii)", current, index[edge])) != RESULT_OK)
                goto done;
            continue;
        }
        if (stamps[current] == mark)
            continue;
        stamps[current] = mark;
        if (append_new(visited, PyLong_FromLong(current)) != RESULT_OK)
            goto done;
        int32_t low = starts[current], high = starts[current + 1];
        if (low < 0 || high > count || low > high)
            continue;
        for (int32_t e = high - 1; e >= low; e--)
            if (stack_push(&stack, e) != RESULT_OK)
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

/* The module's state: a fresh SipHash key per module object (os.urandom, as Python keys its
 * str hash), so no two processes, nor two interpreters, share one. */
static int wire_exec(PyObject *module) {
    WireState *state = PyModule_GetState(module);
    PyObject *os = PyImport_ImportModule("os");
    PyObject *key = os ? PyObject_CallMethod(os, "urandom", "i", 16) : NULL;
    Py_XDECREF(os);
    if (key == NULL)
        return -1;
    if (!PyBytes_Check(key) || PyBytes_GET_SIZE(key) != 16) {
        Py_DECREF(key);
        PyErr_SetString(PyExc_RuntimeError, "os.urandom gave no 16-byte key");
        return -1;
    }
    memcpy(state->hash_key, PyBytes_AS_STRING(key), 16);
    Py_DECREF(key);
    return 0;
}

static PyModuleDef_Slot slots[] = {
    /* through an integer: ISO C converts no function pointer to void * (-pedantic) */
    {Py_mod_exec, (void *)(uintptr_t)wire_exec},
    {0, NULL},
};

/* Multi-phase initialisation (PEP 489): the key lives in the module's state, not in a global. */
static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "speclint._wire",
    "The graph index read straight from a SavedModel's wire format (an optional accelerator).",
    sizeof(WireState), methods, slots, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__wire(void) { return PyModuleDef_Init(&module_def); }
