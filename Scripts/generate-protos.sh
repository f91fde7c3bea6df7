#!/usr/bin/env bash
# Regenerates Sources/NNCProtobuf (committed; CI never runs this) with protoc and swift-protobuf's
# plugin, from the schemas the Python packages that read nnc's files ship:
#   - onnx.proto from the `onnx` package (the ONNX model format `nnc export` writes);
#   - TensorBoard's event and summary messages from the `tensorboard` package, which ships them as
#     compiled descriptors (its *_pb2.py), not .proto files: they are given to protoc as a descriptor set.
# Needs protoc (Debian: protobuf-compiler) and the pinned Python packages of Scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
out=Sources/NNCProtobuf
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

swift build -c release --product protoc-gen-swift
plugin=$(swift build -c release --show-bin-path)/protoc-gen-swift

onnx_dir=$(python3 -c 'import onnx, os; print(os.path.dirname(onnx.__file__))')
cp "$onnx_dir/onnx.proto" "$work/onnx.proto"
protoc --plugin=protoc-gen-swift="$plugin" --proto_path="$work" --swift_opt=Visibility=Public \
    --swift_out="$out" "$work/onnx.proto"

python3 - "$work/tensorboard.pb" <<'PY'
import sys
from google.protobuf import descriptor_pb2
from tensorboard.compat.proto import event_pb2

files, seen = descriptor_pb2.FileDescriptorSet(), set()
def add(fd):
    if fd.name in seen:
        return
    seen.add(fd.name)
    for dependency in fd.dependencies:
        add(dependency)
    fd.CopyToProto(files.file.add())
add(event_pb2.DESCRIPTOR)
open(sys.argv[1], "wb").write(files.SerializeToString())
PY
protoc --plugin=protoc-gen-swift="$plugin" --descriptor_set_in="$work/tensorboard.pb" \
    --swift_opt=Visibility=Public --swift_opt=FileNaming=DropPath --swift_out="$out" \
    tensorboard/compat/proto/event.proto tensorboard/compat/proto/summary.proto \
    tensorboard/compat/proto/histogram.proto tensorboard/compat/proto/tensor.proto \
    tensorboard/compat/proto/tensor_shape.proto tensorboard/compat/proto/types.proto \
    tensorboard/compat/proto/resource_handle.proto

# Generated code keeps protoc's layout: swift-format skips it.
for file in "$out"/*.pb.swift; do
    { echo '// swift-format-ignore-file'; cat "$file"; } > "$work/formatted" && mv "$work/formatted" "$file"
done
