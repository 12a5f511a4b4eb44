// The permutohedral lattice on CUDA, shared by dense_crf_cuda.cu and
// bilateral_filter_cuda.cu (the CPU twin is permutohedral_cpu.h / .cpp; the
// maths, constants and range limits are in permutohedral.h). It builds the
// same lattice as the CPU code, bit for bit (same simplices, weights and
// normalisation); filtered values agree to float rounding.
//
// Deterministic: splatting is a gather (each vertex sums the contributions of
// its points in increasing point order, the order of the CPU code) instead of
// atomicAdd, and every other step computes each output from fixed inputs, so
// repeated runs give bitwise identical results. Vertex numbering depends on
// the order in which threads win hash-table slots, but no value does.
#pragma once

#include <ATen/ATen.h>
#include <cuda_runtime_api.h>

#include <cstdint>

namespace mmlabeleff {
namespace permutohedral {

// A lattice on the device.
struct CudaLattice {
  int dim = 0;
  int64_t num_points = 0;
  int64_t num_vertices = 0;
  at::Tensor vid;        // (P * (d+1)) int32 vertex id of each (point, corner)
  at::Tensor weight;     // (P * (d+1)) float barycentric weight (* norm(point))
  at::Tensor neighbors;  // (d+1, M, 2) int32 blur neighbours (-1 = none)
  at::Tensor order;      // (P * (d+1)) int32 entries sorted by vertex, then entry
  at::Tensor start;      // (M + 1) int32 first position in `order` of each vertex
  float alpha = 1.f;     // slice scale 1 / (1 + 2^-d)
};

// Builds the lattice of an image of num_points pixels (rows of `width`) with
// features (x / sxy, y / sxy) for D = 2 and (x / sxy, y / sxy, c0 / srgb,
// c1 / srgb, c2 / srgb) for D = 5, `img` the (3, P) channel-major pixels on
// the device (unused for D = 2). `normalise` folds the symmetric
// normalisation 1 / sqrt(K 1) into the weights. A point out of range raises a
// ValueError naming `op`. Instantiated for (2, uint8_t), (5, uint8_t) and
// (5, float).
template <int D, typename Pixel>
CudaLattice build_lattice_cuda(int64_t num_points, int64_t width, const Pixel* img,
                               float sxy, float srgb, bool normalise,
                               const at::Tensor& like, cudaStream_t stream,
                               const char* op);

// out (M, C) = splat of values (C, P), channel-major like the op's inputs.
void splat_cuda(const CudaLattice& lat, const float* values, int64_t channels,
                float* out, cudaStream_t stream);

// Blurs (M, C) values along the d+1 axes (d..0 when `reverse`), ping-ponging
// between a and b; returns the buffer that holds the result.
float* blur_cuda(const CudaLattice& lat, int64_t channels, float* a, float* b,
                 bool reverse, cudaStream_t stream);

// out (C, P) (= or +=) sum_r (weight * scale) * values[vertex_r] (values (M, C)).
void slice_cuda(const CudaLattice& lat, const float* values, int64_t channels,
                float scale, bool accumulate, float* out, cudaStream_t stream);

}  // namespace permutohedral
}  // namespace mmlabeleff
