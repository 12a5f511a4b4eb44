// Python bindings of mmlabeleff._ext. Each op adds its declarations and
// m.def(...) lines here; the kernels live in csrc/<op>/.
#include <torch/extension.h>

#include <string>

#include "../bilateral_filter/bilateral_filter.h"
#include "../dense_crf/dense_crf.h"
#include "../random_walk/random_walk.h"

#ifdef WITH_CUDA
#include <cuda_runtime_api.h>
#endif

namespace mmlabeleff {

// Version of the CUDA toolkit this extension was compiled with, or
// "not compiled with CUDA".
std::string get_compiling_cuda_version() {
#ifdef WITH_CUDA
  int v = CUDART_VERSION;  // e.g. 13000
  return std::to_string(v / 1000) + "." + std::to_string((v % 1000) / 10);
#else
  return "not compiled with CUDA";
#endif
}

// Name and version of the C++ compiler that built this extension.
std::string get_compiler_version() {
#if defined(__GNUC__) && !defined(__clang__)
  return "GCC " + std::to_string(__GNUC__) + "." + std::to_string(__GNUC_MINOR__);
#elif defined(__clang__)
  return "clang " + std::to_string(__clang_major__) + "." + std::to_string(__clang_minor__);
#else
  return "unknown";
#endif
}

}  // namespace mmlabeleff

PYBIND11_MODULE(TORCH_EXTENSION_NAME, m) {
  m.def("get_compiling_cuda_version", &mmlabeleff::get_compiling_cuda_version,
        "CUDA version mmlabeleff._ext was compiled with");
  m.def("get_compiler_version", &mmlabeleff::get_compiler_version,
        "compiler that built mmlabeleff._ext");
  m.def("dense_crf_forward", &mmlabeleff::dense_crf_forward,
        "dense CRF mean-field inference with permutohedral-lattice filtering",
        py::arg("unary"), py::arg("images"), py::arg("gaussian_sxy"),
        py::arg("gaussian_compat"), py::arg("bilateral_sxy"), py::arg("bilateral_srgb"),
        py::arg("bilateral_compat"), py::arg("num_iters"), py::arg("logits"));
  m.def("bilateral_filter_forward", &mmlabeleff::bilateral_filter_forward,
        "bilateral filter (permutohedral lattice, dense_crf's appearance kernel); "
        "transpose=True applies the transposed filter (the backward pass)",
        py::arg("x"), py::arg("image"), py::arg("sxy"), py::arg("srgb"),
        py::arg("normalize"), py::arg("transpose"));
  m.def("random_walk_forward", &mmlabeleff::random_walk_forward,
        "random walk: apply the transition matrix (or its transpose) 2**log_t times",
        py::arg("scores"), py::arg("affinity"), py::arg("offsets"), py::arg("beta"),
        py::arg("log_t"), py::arg("transpose"));
  m.def("random_walk_weights", &mmlabeleff::random_walk_weights,
        "random walk: normalised transition weights (N, K + 1, H, W)",
        py::arg("affinity"), py::arg("offsets"), py::arg("beta"), py::arg("transpose"));
}
