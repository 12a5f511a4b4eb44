// Bilateral filtering on CUDA with the lattice shared with dense_crf
// (../permutohedral/permutohedral_cuda.cu): per image, build the lattice, then
// splat all C channels (a deterministic gather), blur along the d+1 axes
// (reverse order for the transposed filter) and slice. The lattice is the
// CPU's bit for bit, the filtered values agree to float rounding (FMAs), and
// repeated runs give the same bits (no atomics on values). Images are looped
// over on the host; all work runs on the current stream.
#include <ATen/ATen.h>
#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDAGuard.h>

#include <cstdint>

#include "../permutohedral/permutohedral_cuda.h"
#include "bilateral_filter.h"

namespace mmlabeleff {

at::Tensor bilateral_filter_forward_cuda(const at::Tensor& x, const at::Tensor& image,
                                         float sxy, float srgb, bool normalize,
                                         bool transpose) {
  namespace ph = permutohedral;
  const c10::cuda::CUDAGuard device_guard(x.device());
  cudaStream_t stream = at::cuda::getCurrentCUDAStream();
  const int64_t n = x.size(0), c = x.size(1), h = x.size(2), w = x.size(3);
  const int64_t num_points = h * w;
  at::Tensor out = at::empty_like(x);
  const float* x_all = x.data_ptr<float>();
  float* out_all = out.data_ptr<float>();
  const bool is_byte = image.scalar_type() == at::kByte;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t img_off = i * 3 * num_points;
    const ph::CudaLattice lat =
        is_byte ? ph::build_lattice_cuda<5, uint8_t>(
                      num_points, w, image.data_ptr<uint8_t>() + img_off, sxy, srgb,
                      normalize, x, stream, "bilateral_filter")
                : ph::build_lattice_cuda<5, float>(
                      num_points, w, image.data_ptr<float>() + img_off, sxy, srgb,
                      normalize, x, stream, "bilateral_filter");
    at::Tensor a = at::empty({lat.num_vertices * c}, x.options());
    at::Tensor b = at::empty({lat.num_vertices * c}, x.options());
    ph::splat_cuda(lat, x_all + i * c * num_points, c, a.data_ptr<float>(), stream);
    const float* blurred =
        ph::blur_cuda(lat, c, a.data_ptr<float>(), b.data_ptr<float>(), transpose, stream);
    ph::slice_cuda(lat, blurred, c, lat.alpha, false, out_all + i * c * num_points, stream);
  }
  return out;
}

}  // namespace mmlabeleff
