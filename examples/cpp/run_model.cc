// run_model: runs an ONNX model that uses symreg's custom ops from C++, without
// Python: ONNX Runtime loads libsymreg_ort.so like any custom-op library.
//
// Usage: run_model LIB MODEL INPUT DTYPE OUTPUT [DIM ...]
//   LIB     path to libsymreg_ort.so (python -c "import symreg; print(symreg.ort.library_path())")
//   MODEL   path to an .onnx model with one input
//   INPUT   the input as raw native-endian elements in C order, DIM[0] * DIM[1] * ... of them
//   DTYPE   the input's element type: float32 or float64
//   OUTPUT  file that receives the model's first output as raw bytes, in C order
//   DIM     the input's shape, one integer per axis; none for a scalar
// Exit status 0 on success; 1 with a message on stderr otherwise (ORT errors included).
// Build: see README.md next to this file.
#include <onnxruntime_cxx_api.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

struct Args {
  std::string lib, model, input, dtype, output;
  std::vector<int64_t> shape;
};

Args ParseArgs(int argc, char** argv) {
  if (argc < 6) throw std::invalid_argument("usage: run_model LIB MODEL INPUT float32|float64 OUTPUT [DIM ...]");
  Args args{argv[1], argv[2], argv[3], argv[4], argv[5], {}};
  for (int i = 6; i < argc; ++i) {
    const int64_t dim = std::stoll(argv[i]);
    if (dim < 0) throw std::invalid_argument(std::string("negative dimension ") + argv[i]);
    args.shape.push_back(dim);
  }
  return args;
}

std::vector<char> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void WriteFile(const std::string& path, const void* data, size_t bytes) {
  std::ofstream out(path, std::ios::binary);
  out.write(static_cast<const char*>(data), static_cast<std::streamsize>(bytes));
  if (!out) throw std::runtime_error("cannot write " + path);
}

size_t ElementSize(ONNXTensorElementDataType type) {
  switch (type) {
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT:
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32:
      return 4;
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_DOUBLE:
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64:
      return 8;
    default:
      throw std::runtime_error("output element type " + std::to_string(type) + " is not supported");
  }
}

template <typename T>
Ort::Value MakeInput(std::vector<char>& bytes, const std::vector<int64_t>& shape) {
  size_t count = 1;
  for (int64_t dim : shape) count *= static_cast<size_t>(dim);
  if (bytes.size() != count * sizeof(T)) {
    throw std::runtime_error("input file has " + std::to_string(bytes.size()) + " bytes, the shape needs " +
                             std::to_string(count * sizeof(T)));
  }
  const auto memory = Ort::MemoryInfo::CreateCpu(OrtArenaAllocator, OrtMemTypeDefault);
  return Ort::Value::CreateTensor<T>(memory, reinterpret_cast<T*>(bytes.data()), count, shape.data(), shape.size());
}

void Run(const Args& args) {
  Ort::Env env(ORT_LOGGING_LEVEL_WARNING, "run_model");
  Ort::SessionOptions options;
  options.RegisterCustomOpsLibrary(args.lib.c_str());
  Ort::Session session(env, args.model.c_str(), options);

  std::vector<char> bytes = ReadFile(args.input);
  Ort::Value input = args.dtype == "float32"   ? MakeInput<float>(bytes, args.shape)
                     : args.dtype == "float64" ? MakeInput<double>(bytes, args.shape)
                                               : throw std::invalid_argument("DTYPE must be float32 or float64");

  Ort::AllocatorWithDefaultOptions allocator;
  const auto input_name = session.GetInputNameAllocated(0, allocator);
  const auto output_name = session.GetOutputNameAllocated(0, allocator);
  const char* input_names[] = {input_name.get()};
  const char* output_names[] = {output_name.get()};
  auto outputs = session.Run(Ort::RunOptions{nullptr}, input_names, &input, 1, output_names, 1);

  const auto info = outputs[0].GetTensorTypeAndShapeInfo();
  WriteFile(args.output, outputs[0].GetTensorRawData(), info.GetElementCount() * ElementSize(info.GetElementType()));
}

}  // namespace

int main(int argc, char** argv) {
  try {
    Run(ParseArgs(argc, argv));
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "run_model: " << e.what() << "\n";
    return 1;
  }
}
