#!/usr/bin/env python3
"""ONNX files written by hand with onnx.helper, in the forms other exporters write (PyTorch's
channels-first Conv, Gemm with transB, MatMul + Add, GlobalAveragePool, Flatten before Gemm, an
LSTM read time first, attention composed of primitive ops), and files nnc must refuse; for the import tests (ONNXImportTests.swift).

  make.py FOLDER
      writes FOLDER/NAME.onnx for each model; for the models nnc imports also NAME.inputs.npy (the
      inputs as nnc takes them: channels-last) and NAME.expected.json (ONNX Runtime's outputs on the
      same inputs, given to it in the model's own layout).
"""
import json
import sys

import numpy as np
import onnx
import onnxruntime
from onnx import TensorProto, helper, numpy_helper

rng = np.random.RandomState(3)


def const(name, *shape, scale=0.5):
    return numpy_helper.from_array((rng.randn(*shape) * scale).astype(np.float32), name)


def ints(name, values):
    return numpy_helper.from_array(np.array(values, dtype=np.int64), name)


def model(name, nodes, inputs, output, initializers, opset=17, in_type=TensorProto.FLOAT):
    graph = helper.make_graph(
        nodes, name, [helper.make_tensor_value_info("x", in_type, ["N"] + inputs)],
        [helper.make_tensor_value_info(output, TensorProto.FLOAT, ["N", "K"])], initializers)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 8
    return m


def cnn():
    """PyTorch's form: channels-first input, Conv with bias, Relu, MaxPool, Conv without bias
    plus an Add, BatchNormalization, Flatten, Gemm (transB), Softmax."""
    nodes = [
        helper.make_node("Conv", ["x", "c1.w", "c1.b"], ["c1"], name="/conv1/Conv", pads=[1, 1, 1, 1]),
        helper.make_node("Relu", ["c1"], ["r1"], name="/relu/Relu"),
        helper.make_node("MaxPool", ["r1"], ["p1"], name="/pool/MaxPool", kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Conv", ["p1", "c2.w"], ["c2"], name="/conv2/Conv", kernel_shape=[3, 3], group=2),
        helper.make_node("Add", ["c2", "c2.b"], ["c2b"], name="/conv2/Add"),
        helper.make_node("BatchNormalization", ["c2b", "bn.g", "bn.b", "bn.m", "bn.v"], ["bn"], name="/bn/BN"),
        helper.make_node("Flatten", ["bn"], ["f"], name="/flatten/Flatten"),
        helper.make_node("Gemm", ["f", "fc.w", "fc.b"], ["fc"], name="/fc/Gemm", transB=1),
        helper.make_node("Softmax", ["fc"], ["y"], name="/softmax/Softmax", axis=1),
    ]
    inits = [const("c1.w", 4, 2, 3, 3), const("c1.b", 4), const("c2.w", 6, 2, 3, 3), const("c2.b", 6, 1, 1),
             const("bn.g", 6), const("bn.b", 6), const("bn.m", 6),
             numpy_helper.from_array(rng.uniform(0.5, 2, 6).astype(np.float32), "bn.v"), const("fc.w", 5, 6 * 2 * 2)]
    inits.append(const("fc.b", 5))
    return model("cnn", nodes, [2, 8, 8], "y", inits, opset=13), [2, 8, 8]


def pooled():
    """A swish composed as nnc's exporter writes it, GlobalAveragePool and an AveragePool with
    same-style pads, merged with Concat and Max, a MatMul + Add."""
    nodes = [
        helper.make_node("Conv", ["x", "c.w"], ["c"], name="stem", auto_pad="SAME_UPPER", strides=[2, 2]),
        helper.make_node("Sigmoid", ["c"], ["cs"], name="stem/Sigmoid"),
        helper.make_node("Mul", ["c", "cs"], ["cw"], name="stem/Mul"),
        helper.make_node("Elu", ["cw"], ["e"], name="elu", alpha=0.5),
        helper.make_node("AveragePool", ["e"], ["a"], name="avg", kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
        helper.make_node("Max", ["e", "a"], ["m"], name="max"),
        helper.make_node("Concat", ["m", "e"], ["cat"], name="cat", axis=1),
        helper.make_node("GlobalAveragePool", ["cat"], ["g"], name="gap"),
        helper.make_node("Reshape", ["g", "shape"], ["flat"], name="squeeze"),
        helper.make_node("MatMul", ["flat", "d.w"], ["d"], name="head/MatMul"),
        helper.make_node("Add", ["d", "d.b"], ["db"], name="head/Add"),
        helper.make_node("Sigmoid", ["db"], ["y"], name="head/Sigmoid"),
    ]
    inits = [const("c.w", 3, 1, 3, 3), ints("shape", [0, -1]), const("d.w", 6, 2), const("d.b", 2)]
    return model("pooled", nodes, [1, 9, 9], "y", inits), [1, 9, 9]


def lstm():
    """An LSTM read time first, its whole sequence through a Sub merge with a GRU, then the GRU's last state."""
    u, f, t = 3, 2, 5
    nodes = [
        helper.make_node("Transpose", ["x"], ["xt"], name="to_time", perm=[1, 0, 2]),
        helper.make_node("LSTM", ["xt", "l.W", "l.R", "l.B"], ["ly", ""], name="lstm", hidden_size=u),
        helper.make_node("Squeeze", ["ly", "one"], ["ls"], name="lstm_squeeze"),
        helper.make_node("GRU", ["ls", "g.W", "g.R", "g.B"], ["", "gh"], name="gru", hidden_size=u,
                         direction="bidirectional", linear_before_reset=1),
        helper.make_node("Transpose", ["gh"], ["ght"], name="gru_batch", perm=[1, 0, 2]),
        helper.make_node("Reshape", ["ght", "shape"], ["gr"], name="gru_concat"),
        helper.make_node("Gemm", ["gr", "d.w", "d.b"], ["y"], name="out"),
    ]
    inits = [const("l.W", 1, 4 * u, f), const("l.R", 1, 4 * u, u), const("l.B", 1, 8 * u), ints("one", [1]),
             const("g.W", 2, 3 * u, u), const("g.R", 2, 3 * u, u), const("g.B", 2, 6 * u), ints("shape", [0, -1]),
             const("d.w", 2 * u, 2), const("d.b", 2)]
    return model("recurrent", nodes, [t, f], "y", inits), [t, f]


def attention(key_perm=(0, 2, 3, 1)):
    """Keras's MultiHeadAttention composed of primitive ops as nnc's exporter writes it (2 heads of
    size 3, biases, a causal mask), but with the scores divided by √3 rather than multiplied by
    1/√3; then a mean over the steps and a Gemm. With another key_perm the pattern breaks there."""
    t, f, h, d = 4, 5, 2, 3
    nodes = []
    inits = [ints("split", [0, 0, h, d]), ints("join", [0, 0, h * d])]
    for role, perm in (("query", [0, 2, 1, 3]), ("key", list(key_perm)), ("value", [0, 2, 1, 3])):
        nodes += [
            helper.make_node("MatMul", ["x", f"{role}.w"], [f"{role}.m"], name=f"mha/{role}/MatMul"),
            helper.make_node("Add", [f"{role}.m", f"{role}.b"], [f"{role}.a"], name=f"mha/{role}/Add"),
            helper.make_node("Reshape", [f"{role}.a", "split"], [f"{role}.r"], name=f"mha/{role}/Reshape"),
            helper.make_node("Transpose", [f"{role}.r"], [role], name=f"mha/{role}/Transpose", perm=perm),
        ]
        inits += [const(f"{role}.w", f, h * d), const(f"{role}.b", h * d)]
    nodes += [
        helper.make_node("MatMul", ["query", "key"], ["s"], name="mha/scores/MatMul"),
        helper.make_node("Div", ["s", "root"], ["sd"], name="mha/scores/Div"),
        helper.make_node("Add", ["sd", "mask"], ["sm"], name="mha/causal"),
        helper.make_node("Softmax", ["sm"], ["p"], name="mha/Softmax", axis=-1),
        helper.make_node("MatMul", ["p", "value"], ["c"], name="mha/context/MatMul"),
        helper.make_node("Transpose", ["c"], ["ct"], name="mha/context/Transpose", perm=[0, 2, 1, 3]),
        helper.make_node("Reshape", ["ct", "join"], ["cj"], name="mha/context/Reshape"),
        helper.make_node("MatMul", ["cj", "out.w"], ["o"], name="mha/output/MatMul"),
        helper.make_node("Add", ["o", "out.b"], ["oa"], name="mha/output/Add"),
        helper.make_node("ReduceMean", ["oa"], ["g"], name="pool", axes=[1], keepdims=0),
        helper.make_node("Gemm", ["g", "head.w", "head.b"], ["y"], name="head"),
    ]
    inits += [numpy_helper.from_array(np.array(np.sqrt(d), np.float32), "root"),
              numpy_helper.from_array(np.triu(np.full((t, t), -1e9, np.float32), 1), "mask"),
              const("out.w", h * d, f), const("out.b", f), const("head.w", f, 2), const("head.b", 2)]
    name = "attention" if tuple(key_perm) == (0, 2, 3, 1) else "attention_broken"
    return model(name, nodes, [t, f], "y", inits), [t, f]


def refused():
    """Each of these must be refused with its code."""
    cos = model("cos", [helper.make_node("MatMul", ["x", "w"], ["h"], name="dense/MatMul"),
                        helper.make_node("Cos", ["h"], ["y"], name="wave")], [4], "y", [const("w", 4, 3)])
    old = model("old", [helper.make_node("Relu", ["x"], ["y"])], [4], "y", [], opset=7)
    half = model("half", [helper.make_node("MatMul", ["x", "w"], ["y"], name="dense/MatMul")], [4], "y",
                 [numpy_helper.from_array(np.ones((4, 3), np.float16), "w")])
    broken, _ = attention(key_perm=(0, 2, 1, 3))
    return {"cos": cos, "old": old, "half": half, "attention_broken": broken}


def main():
    folder = sys.argv[1]
    for make in (cnn, pooled, lstm, attention):
        m, shape = make()
        name = m.graph.name
        onnx.checker.check_model(m, full_check=True)
        onnx.save(m, f"{folder}/{name}.onnx")
        x = rng.uniform(-1, 1, [6] + shape).astype(np.float32)
        session = onnxruntime.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"])
        y = session.run(None, {"x": x})[0].reshape(len(x), -1)
        channels_last = np.moveaxis(x, 1, -1) if len(shape) == 3 else x
        np.save(f"{folder}/{name}.inputs.npy", np.ascontiguousarray(channels_last))
        with open(f"{folder}/{name}.expected.json", "w") as out:
            json.dump(y.tolist(), out)
    for name, m in refused().items():
        onnx.save(m, f"{folder}/{name}.onnx")
    with open(f"{folder}/garbage.onnx", "wb") as out:
        out.write(b"\x08\x07not a protobuf at all\xff\xff\xff")
    print("wrote", folder)


if __name__ == "__main__":
    main()
