/* The fast path of `reward_core.completion_text`, in C: `model_text(messages, tag)`.
 *
 * The same function as `_model_text_py` in completion.py, decision for decision: the text of a list of chat
 * messages in the shapes TRL passes (one assistant message; parsed reasoning; tool trajectories), or None for
 * anything unusual, which the Python side then reads (or rejects) with `read_completion`. Tests hold the two
 * functions to the same result on fuzzed inputs. It exists because a reward scoring a tool trajectory walks
 * every message of every completion in the trainer's process, and in Python that walk costs more than the
 * cheapest format rewards spend on the text itself.
 *
 * Every object kept across a dict lookup is a strong reference: a lookup may run a key's __eq__, which may
 * change the messages.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

static PyObject *ROLE, *CONTENT, *TOOL_CALLS, *FUNCTION, *NAME, *NEWLINE, *EMPTY, *LT, *LT_SLASH, *GT;
static PyObject *FIELDS[3]; /* REASONING_FIELDS, in order */

/* 1: every call names its tool; 0: not (or a shape the Python side must judge); -1: error set. */
static int
named_calls(PyObject *calls)
{
    if (!PyList_CheckExact(calls))
        return 0;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(calls); i++) {
        PyObject *call = PyList_GET_ITEM(calls, i);
        if (!PyDict_CheckExact(call))
            return 0;
        Py_INCREF(call);
        PyObject *spec = PyDict_GetItemWithError(call, FUNCTION);
        if (spec == NULL && PyErr_Occurred()) {
            Py_DECREF(call);
            return -1;
        }
        if (spec != NULL && PyDict_Check(spec) && !PyDict_CheckExact(spec)) {
            Py_DECREF(call);
            return 0; /* a dict subclass may answer `get` its own way */
        }
        if (spec == NULL || !PyDict_CheckExact(spec))
            spec = call;
        Py_INCREF(spec);
        PyObject *name = PyDict_GetItemWithError(spec, NAME);
        int named = name != NULL && PyUnicode_CheckExact(name);
        Py_DECREF(spec);
        Py_DECREF(call);
        if (!named)
            return PyErr_Occurred() ? -1 : 0;
    }
    return 1;
}

/* Reads one message into `contents` and `reasoning`: 1 read, 0 unusual (the caller returns None), -1 error. */
static int
read_message(PyObject *message, PyObject *contents, PyObject *reasoning)
{
    PyObject *role = PyDict_GetItemWithError(message, ROLE);
    if (role == NULL || !PyUnicode_CheckExact(role))
        return PyErr_Occurred() ? -1 : 0;
    int assistant = PyUnicode_CompareWithASCIIString(role, "assistant") == 0;
    PyObject *content = PyDict_GetItemWithError(message, CONTENT);
    if (content == NULL && PyErr_Occurred())
        return -1;
    if (!assistant)
        return content == NULL || content == Py_None || PyUnicode_CheckExact(content);
    if (content != NULL && PyUnicode_CheckExact(content)) {
        if (PyUnicode_GET_LENGTH(content) && PyList_Append(contents, content) < 0)
            return -1;
        if (PyDict_GET_SIZE(message) == 2)
            return 1;
    }
    else if (content != NULL && content != Py_None) {
        return 0;
    }
    else {
        int has_calls = PyDict_Contains(message, TOOL_CALLS);
        if (has_calls <= 0)
            return has_calls;
    }
    PyObject *calls = PyDict_GetItemWithError(message, TOOL_CALLS);
    if (calls == NULL && PyErr_Occurred())
        return -1;
    if (calls != NULL && calls != Py_None) {
        Py_INCREF(calls);
        int named = named_calls(calls);
        Py_DECREF(calls);
        if (named <= 0)
            return named;
    }
    for (int i = 0; i < 3; i++) {
        PyObject *value = PyDict_GetItemWithError(message, FIELDS[i]);
        if (value == NULL) {
            if (PyErr_Occurred())
                return -1;
            continue;
        }
        if (value == Py_None)
            continue;
        if (!PyUnicode_CheckExact(value))
            return 0;
        if (PyUnicode_GET_LENGTH(value))
            return PyList_Append(reasoning, value) < 0 ? -1 : 1;
    }
    return 1;
}

static PyObject *
model_text(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "model_text(messages, tag) takes exactly 2 arguments");
        return NULL;
    }
    PyObject *messages = args[0], *tag = args[1];
    if (!PyList_CheckExact(messages) || !PyUnicode_CheckExact(tag) || PyList_GET_SIZE(messages) == 0)
        Py_RETURN_NONE;
    PyObject *contents = PyList_New(0), *reasoning = PyList_New(0), *result = NULL;
    if (contents == NULL || reasoning == NULL)
        goto done;
    for (Py_ssize_t i = 0; i < PyList_GET_SIZE(messages); i++) {
        PyObject *message = PyList_GET_ITEM(messages, i);
        if (!PyDict_CheckExact(message)) {
            result = Py_NewRef(Py_None);
            goto done;
        }
        Py_INCREF(message);
        int read = read_message(message, contents, reasoning);
        Py_DECREF(message);
        if (read < 0)
            goto done;
        if (read == 0) {
            result = Py_NewRef(Py_None);
            goto done;
        }
    }
    PyObject *text = PyUnicode_Join(NEWLINE, contents);
    if (text == NULL || PyList_GET_SIZE(reasoning) == 0) {
        result = text;
        goto done;
    }
    PyObject *thought = PyUnicode_Join(NEWLINE, reasoning);
    if (thought == NULL) {
        Py_DECREF(text);
        goto done;
    }
    /* f"<{tag}>{thought}</{tag}>{text}" */
    PyObject *parts = PyTuple_Pack(8, LT, tag, GT, thought, LT_SLASH, tag, GT, text);
    if (parts != NULL) {
        result = PyUnicode_Join(EMPTY, parts);
        Py_DECREF(parts);
    }
    Py_DECREF(thought);
    Py_DECREF(text);
done:
    Py_XDECREF(contents);
    Py_XDECREF(reasoning);
    return result;
}

static PyMethodDef methods[] = {
    {"model_text", (PyCFunction)(void (*)(void))model_text, METH_FASTCALL,
     "model_text(messages, tag) -> str | None: completion_text's fast path (see reward_core.completion)."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "reward_core._reading", "completion_text's fast path, in C.", -1, methods,
};

PyMODINIT_FUNC
PyInit__reading(void)
{
    const char *fields[3] = {"reasoning_content", "thinking", "reasoning"};
    ROLE = PyUnicode_InternFromString("role");
    CONTENT = PyUnicode_InternFromString("content");
    TOOL_CALLS = PyUnicode_InternFromString("tool_calls");
    FUNCTION = PyUnicode_InternFromString("function");
    NAME = PyUnicode_InternFromString("name");
    NEWLINE = PyUnicode_InternFromString("\n");
    EMPTY = PyUnicode_InternFromString("");
    LT = PyUnicode_InternFromString("<");
    LT_SLASH = PyUnicode_InternFromString("</");
    GT = PyUnicode_InternFromString(">");
    for (int i = 0; i < 3; i++)
        FIELDS[i] = PyUnicode_InternFromString(fields[i]);
    if (!ROLE || !CONTENT || !TOOL_CALLS || !FUNCTION || !NAME || !NEWLINE || !EMPTY || !LT || !LT_SLASH || !GT
        || !FIELDS[0] || !FIELDS[1] || !FIELDS[2])
        return NULL;
    return PyModule_Create(&module);
}
