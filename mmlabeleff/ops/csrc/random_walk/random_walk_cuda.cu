// CUDA kernels of the random-walk op (see random_walk.h for the papers and
// the tensor layouts): the transition weights are computed once, then one
// step kernel (one thread per output score) is launched 2**log_t times on the
// current stream, ping-ponging between two buffers.
#include <ATen/Dispatch.h>
#include <ATen/cuda/CUDAContext.h>
#include <c10/cuda/CUDAException.h>
#include <c10/cuda/CUDAGuard.h>

#include <algorithm>
#include <utility>

#include "random_walk.h"

namespace mmlabeleff {

namespace {

constexpr int kThreads = 256;

inline int num_blocks(int64_t n) {
  return static_cast<int>(std::min<int64_t>((n + kThreads - 1) / kThreads, 65535 * 8));
}

// P[n, k, y, x] = a**beta / s for neighbours inside the image (else 0) and
// P[n, K, y, x] = 1 / s, with s = 1 + sum of the a**beta (in offset order).
// As the CPU code: computed in double and rounded once to scalar_t. The a**beta
// are not stored (P is scalar_t), so they are recomputed for the division.
template <typename scalar_t>
__global__ void rw_weights_kernel(const scalar_t* __restrict__ aff,
                                  scalar_t* __restrict__ P, const int* __restrict__ offs,
                                  int64_t N, int K, int H, int W, scalar_t beta) {
  const int64_t HW = static_cast<int64_t>(H) * W;
  const double b = static_cast<double>(beta);
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < N * HW;
       i += static_cast<int64_t>(blockDim.x) * gridDim.x) {
    const int64_t n = i / HW, p = i % HW;
    const int y = static_cast<int>(p / W), x = static_cast<int>(p % W);
    const scalar_t* a = aff + n * K * HW + p;
    scalar_t* w = P + n * (K + 1) * HW + p;
    double sum = 1.0;
    for (int k = 0; k < K; ++k) {
      const int yy = y + offs[2 * k], xx = x + offs[2 * k + 1];
      if (yy >= 0 && yy < H && xx >= 0 && xx < W)
        sum += pow(static_cast<double>(a[k * HW]), b);
    }
    for (int k = 0; k < K; ++k) {
      const int yy = y + offs[2 * k], xx = x + offs[2 * k + 1];
      double v = 0.0;
      if (yy >= 0 && yy < H && xx >= 0 && xx < W) v = pow(static_cast<double>(a[k * HW]), b);
      w[k * HW] = static_cast<scalar_t>(v / sum);
    }
    w[K * HW] = static_cast<scalar_t>(1.0 / sum);
  }
}

// Weights of P^T: Q[k](p) = P[K-1-k](p + o_k) (0 outside), Q[K] = P[K].
template <typename scalar_t>
__global__ void rw_transpose_kernel(const scalar_t* __restrict__ P,
                                    scalar_t* __restrict__ Q, const int* __restrict__ offs,
                                    int64_t N, int K, int H, int W) {
  const int64_t HW = static_cast<int64_t>(H) * W;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < N * HW;
       i += static_cast<int64_t>(blockDim.x) * gridDim.x) {
    const int64_t n = i / HW, p = i % HW;
    const int y = static_cast<int>(p / W), x = static_cast<int>(p % W);
    const scalar_t* pn = P + n * (K + 1) * HW;
    scalar_t* q = Q + n * (K + 1) * HW + p;
    for (int k = 0; k < K; ++k) {
      const int yy = y + offs[2 * k], xx = x + offs[2 * k + 1];
      scalar_t v = scalar_t(0);
      if (yy >= 0 && yy < H && xx >= 0 && xx < W)
        v = pn[(K - 1 - k) * HW + static_cast<int64_t>(yy) * W + xx];
      q[k * HW] = v;
    }
    q[K * HW] = pn[K * HW + p];
  }
}

// dst(p) = P[K](p) src(p) + sum_k P[k](p) src(p + o_k), one thread per
// (n, c, y, x).
template <typename scalar_t>
__global__ void rw_step_kernel(const scalar_t* __restrict__ src, scalar_t* __restrict__ dst,
                               const scalar_t* __restrict__ P, const int* __restrict__ offs,
                               int64_t N, int64_t C, int K, int H, int W) {
  const int64_t HW = static_cast<int64_t>(H) * W;
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x;
       i < N * C * HW; i += static_cast<int64_t>(blockDim.x) * gridDim.x) {
    const int64_t nc = i / HW, p = i % HW, n = nc / C;
    const int y = static_cast<int>(p / W), x = static_cast<int>(p % W);
    const scalar_t* s = src + nc * HW;
    const scalar_t* w = P + n * (K + 1) * HW + p;
    scalar_t acc = w[K * HW] * s[p];
    for (int k = 0; k < K; ++k) {
      const int yy = y + offs[2 * k], xx = x + offs[2 * k + 1];
      if (yy >= 0 && yy < H && xx >= 0 && xx < W)
        acc += w[k * HW] * s[static_cast<int64_t>(yy) * W + xx];
    }
    dst[i] = acc;
  }
}

}  // namespace

at::Tensor random_walk_weights_cuda(const at::Tensor& affinity, const at::Tensor& offsets,
                                    double beta, bool transpose) {
  const c10::cuda::CUDAGuard device_guard(affinity.device());
  auto aff = affinity.contiguous();
  const int64_t N = aff.size(0), K = aff.size(1), H = aff.size(2), W = aff.size(3);
  TORCH_CHECK(H < (int64_t(1) << 30) && W < (int64_t(1) << 30),
              "random_walk: image too large");
  // offsets are cast to int on the device: reject values that would wrap
  TORCH_CHECK(offsets.numel() == 0 || offsets.abs().max().item<int64_t>() < (int64_t(1) << 30),
              "random_walk: offsets too large");
  auto offs = offsets.to(at::kInt).contiguous().to(aff.device());
  auto P = at::empty({N, K + 1, H, W}, aff.options());
  if (P.numel() == 0) return P;
  cudaStream_t stream = at::cuda::getCurrentCUDAStream();
  const int blocks = num_blocks(N * H * W);
  AT_DISPATCH_FLOATING_TYPES(aff.scalar_type(), "random_walk_weights_cuda", [&] {
    rw_weights_kernel<scalar_t><<<blocks, kThreads, 0, stream>>>(
        aff.data_ptr<scalar_t>(), P.data_ptr<scalar_t>(), offs.data_ptr<int>(), N,
        static_cast<int>(K), static_cast<int>(H), static_cast<int>(W),
        static_cast<scalar_t>(beta));
    C10_CUDA_KERNEL_LAUNCH_CHECK();
  });
  if (!transpose) return P;
  auto Q = at::empty_like(P);
  AT_DISPATCH_FLOATING_TYPES(aff.scalar_type(), "random_walk_transpose_cuda", [&] {
    rw_transpose_kernel<scalar_t><<<blocks, kThreads, 0, stream>>>(
        P.data_ptr<scalar_t>(), Q.data_ptr<scalar_t>(), offs.data_ptr<int>(), N,
        static_cast<int>(K), static_cast<int>(H), static_cast<int>(W));
    C10_CUDA_KERNEL_LAUNCH_CHECK();
  });
  return Q;
}

at::Tensor random_walk_forward_cuda(const at::Tensor& scores, const at::Tensor& affinity,
                                    const at::Tensor& offsets, double beta, int64_t log_t,
                                    bool transpose) {
  const c10::cuda::CUDAGuard device_guard(scores.device());
  auto P = random_walk_weights_cuda(affinity, offsets, beta, transpose);
  auto a = scores.contiguous().clone();
  if (a.numel() == 0) return a;
  auto b = at::empty_like(a);
  auto offs = offsets.to(at::kInt).contiguous().to(a.device());
  const int64_t N = a.size(0), C = a.size(1), H = a.size(2), W = a.size(3);
  const int64_t K = offsets.size(0);
  const int64_t steps = int64_t(1) << log_t;
  const int blocks = num_blocks(a.numel());
  cudaStream_t stream = at::cuda::getCurrentCUDAStream();
  AT_DISPATCH_FLOATING_TYPES(a.scalar_type(), "random_walk_forward_cuda", [&] {
    const scalar_t* w = P.data_ptr<scalar_t>();
    scalar_t* cur = a.data_ptr<scalar_t>();
    scalar_t* nxt = b.data_ptr<scalar_t>();
    for (int64_t t = 0; t < steps; ++t) {
      rw_step_kernel<scalar_t><<<blocks, kThreads, 0, stream>>>(
          cur, nxt, w, offs.data_ptr<int>(), N, C, static_cast<int>(K),
          static_cast<int>(H), static_cast<int>(W));
      C10_CUDA_KERNEL_LAUNCH_CHECK();
      std::swap(cur, nxt);
    }
  });
  return (steps % 2 == 0) ? a : b;
}

}  // namespace mmlabeleff
