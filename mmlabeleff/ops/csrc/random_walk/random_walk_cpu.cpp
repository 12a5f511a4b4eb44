// CPU kernels of the random-walk op (see random_walk.h for the papers and the
// tensor layouts). The transition weights are computed once; every step then
// sums K + 1 shifted, weighted rows per output row, a loop GCC vectorises.
#include <ATen/Dispatch.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "random_walk.h"

namespace mmlabeleff {

namespace {

struct Offsets {
  std::vector<int64_t> dy, dx;
};

Offsets read_offsets(const at::Tensor& offsets) {
  auto o = offsets.contiguous();
  const int64_t* p = o.data_ptr<int64_t>();
  Offsets out;
  for (int64_t k = 0; k < o.size(0); ++k) {
    out.dy.push_back(p[2 * k]);
    out.dx.push_back(p[2 * k + 1]);
  }
  return out;
}

// Valid x range [x0, x1) of an output row for horizontal offset dx.
inline void x_range(int64_t dx, int64_t W, int64_t* x0, int64_t* x1) {
  *x0 = std::max<int64_t>(0, -dx);
  *x1 = std::min<int64_t>(W, W - dx);
}

// P (N, K+1, H, W): P[k] = a_k**beta / s, P[K] = 1 / s with
// s = 1 + sum_k a_k**beta over the neighbours inside the image. Computed in
// double and rounded once, as the reference does: float32 weights are then the
// same in both, and the walk's 2^log_t steps do not amplify rounding
// differences of the weights.
template <typename scalar_t>
void weights_kernel(const scalar_t* aff, scalar_t* P, const Offsets& off, int64_t N,
                    int64_t H, int64_t W, scalar_t beta) {
  const int64_t K = static_cast<int64_t>(off.dy.size());
  const int64_t HW = H * W;
  const double b = static_cast<double>(beta);
  at::parallel_for(0, N * H, 1, [&](int64_t begin, int64_t end) {
    std::vector<double> sum(W), pw(K * W);
    for (int64_t row = begin; row < end; ++row) {
      const int64_t n = row / H, y = row % H;
      std::fill(sum.begin(), sum.end(), 1.0);
      std::fill(pw.begin(), pw.end(), 0.0);
      for (int64_t k = 0; k < K; ++k) {
        const scalar_t* ak = aff + (n * K + k) * HW + y * W;
        const int64_t yy = y + off.dy[k];
        if (yy < 0 || yy >= H) continue;
        int64_t x0, x1;
        x_range(off.dx[k], W, &x0, &x1);
        double* pk = pw.data() + k * W;
        for (int64_t x = x0; x < x1; ++x) {
          pk[x] = std::pow(static_cast<double>(ak[x]), b);
          sum[x] += pk[x];
        }
      }
      for (int64_t k = 0; k < K; ++k) {
        scalar_t* pk = P + (n * (K + 1) + k) * HW + y * W;
        const double* src = pw.data() + k * W;
        for (int64_t x = 0; x < W; ++x) pk[x] = static_cast<scalar_t>(src[x] / sum[x]);
      }
      scalar_t* self = P + (n * (K + 1) + K) * HW + y * W;
      for (int64_t x = 0; x < W; ++x) self[x] = static_cast<scalar_t>(1.0 / sum[x]);
    }
  });
}

// Weights of P^T from those of P: Q[k](p) = P[K-1-k](p + o_k), since pixel
// p + o_k reaches p through offset o_{K-1-k} = -o_k; Q[K] = P[K].
template <typename scalar_t>
void transpose_weights_kernel(const scalar_t* P, scalar_t* Q, const Offsets& off,
                              int64_t N, int64_t H, int64_t W) {
  const int64_t K = static_cast<int64_t>(off.dy.size());
  const int64_t HW = H * W;
  at::parallel_for(0, N * H, 1, [&](int64_t begin, int64_t end) {
    for (int64_t row = begin; row < end; ++row) {
      const int64_t n = row / H, y = row % H;
      for (int64_t k = 0; k < K; ++k) {
        scalar_t* qk = Q + (n * (K + 1) + k) * HW + y * W;
        std::fill(qk, qk + W, scalar_t(0));
        const int64_t yy = y + off.dy[k], dx = off.dx[k];
        if (yy < 0 || yy >= H) continue;
        const scalar_t* src = P + (n * (K + 1) + (K - 1 - k)) * HW + yy * W + dx;
        int64_t x0, x1;
        x_range(dx, W, &x0, &x1);
        for (int64_t x = x0; x < x1; ++x) qk[x] = src[x];
      }
      const scalar_t* ps = P + (n * (K + 1) + K) * HW + y * W;
      std::copy(ps, ps + W, Q + (n * (K + 1) + K) * HW + y * W);
    }
  });
}

// d[x] += w_0[x] s_0[x] + ... + w_7[x] s_7[x], summed left to right.
template <typename scalar_t>
__attribute__((always_inline)) inline void accumulate8(
    scalar_t* __restrict__ d, const scalar_t* __restrict__ w, int64_t wstride,
    const scalar_t* __restrict__ s, const int64_t* __restrict__ lin, int64_t W) {
  const scalar_t *w0 = w, *w1 = w0 + wstride, *w2 = w1 + wstride, *w3 = w2 + wstride,
                 *w4 = w3 + wstride, *w5 = w4 + wstride, *w6 = w5 + wstride,
                 *w7 = w6 + wstride;
  const scalar_t *s0 = s + lin[0], *s1 = s + lin[1], *s2 = s + lin[2], *s3 = s + lin[3],
                 *s4 = s + lin[4], *s5 = s + lin[5], *s6 = s + lin[6], *s7 = s + lin[7];
  for (int64_t x = 0; x < W; ++x) {
    scalar_t acc = d[x];
    acc += w0[x] * s0[x];
    acc += w1[x] * s1[x];
    acc += w2[x] * s2[x];
    acc += w3[x] * s3[x];
    acc += w4[x] * s4[x];
    acc += w5[x] * s5[x];
    acc += w6[x] * s6[x];
    acc += w7[x] * s7[x];
    d[x] = acc;
  }
}

// accumulate8 for two channels at once (da/sa and db/sb), sharing the weights.
template <typename scalar_t>
__attribute__((always_inline)) inline void accumulate8x2(
    scalar_t* __restrict__ da, scalar_t* __restrict__ db, const scalar_t* __restrict__ w,
    int64_t wstride, const scalar_t* __restrict__ sa, const scalar_t* __restrict__ sb,
    const int64_t* __restrict__ lin, int64_t W) {
  const scalar_t *w0 = w, *w1 = w0 + wstride, *w2 = w1 + wstride, *w3 = w2 + wstride,
                 *w4 = w3 + wstride, *w5 = w4 + wstride, *w6 = w5 + wstride,
                 *w7 = w6 + wstride;
  const int64_t l0 = lin[0], l1 = lin[1], l2 = lin[2], l3 = lin[3], l4 = lin[4],
                l5 = lin[5], l6 = lin[6], l7 = lin[7];
  for (int64_t x = 0; x < W; ++x) {
    scalar_t a = da[x], b = db[x];
    a += w0[x] * sa[x + l0];
    b += w0[x] * sb[x + l0];
    a += w1[x] * sa[x + l1];
    b += w1[x] * sb[x + l1];
    a += w2[x] * sa[x + l2];
    b += w2[x] * sb[x + l2];
    a += w3[x] * sa[x + l3];
    b += w3[x] * sb[x + l3];
    a += w4[x] * sa[x + l4];
    b += w4[x] * sb[x + l4];
    a += w5[x] * sa[x + l5];
    b += w5[x] * sb[x + l5];
    a += w6[x] * sa[x + l6];
    b += w6[x] * sb[x + l6];
    a += w7[x] * sa[x + l7];
    b += w7[x] * sb[x + l7];
    da[x] = a;
    db[x] = b;
  }
}

// d[x] = w[x] s[x] (first == true) or d[x] += w[x] s[x].
template <typename scalar_t>
__attribute__((always_inline)) inline void accumulate1(scalar_t* __restrict__ d,
                                                       const scalar_t* __restrict__ w,
                                                       const scalar_t* __restrict__ s,
                                                       int64_t W, bool first) {
  if (first) {
    for (int64_t x = 0; x < W; ++x) d[x] = w[x] * s[x];
  } else {
    for (int64_t x = 0; x < W; ++x) d[x] += w[x] * s[x];
  }
}

// One step over the output rows [begin, end) of the flattened (N, H) range:
// dst(p) = P[K](p) src(p) + sum_k P[k](p) src(p + o_k). `src` and `dst` are
// zero-padded by `pad` pixels on every side, so every offset can read the whole
// row (the weights of neighbours outside the image are 0); `lin[k]` is offset k
// as a linear shift in the padded plane. Offsets are taken in blocks of 8 with
// the partial sum kept in a register, in the order of the reference.
template <typename scalar_t>
__attribute__((always_inline)) inline void step_rows_impl(
    const scalar_t* src, scalar_t* dst, const scalar_t* P, const int64_t* lin, int64_t K,
    int64_t C, int64_t H, int64_t W, int64_t pad, int64_t begin, int64_t end) {
  const int64_t HW = H * W, Wp = W + 2 * pad, HWp = (H + 2 * pad) * Wp;
  for (int64_t row = begin; row < end; ++row) {
    const int64_t n = row / H, y = row % H;
    const scalar_t* w = P + n * (K + 1) * HW + y * W;
    const scalar_t* wself = w + K * HW;
    const int64_t row_base = (y + pad) * Wp + pad;
    int64_t c = 0;
    for (; c + 2 <= C; c += 2) {  // two channels per pass over the weights
      const int64_t base = (n * C + c) * HWp + row_base;
      const scalar_t *sa = src + base, *sb = sa + HWp;
      scalar_t *da = dst + base, *db = da + HWp;
      accumulate1(da, wself, sa, W, true);
      accumulate1(db, wself, sb, W, true);
      int64_t k = 0;
      for (; k + 8 <= K; k += 8) accumulate8x2(da, db, w + k * HW, HW, sa, sb, lin + k, W);
      for (; k < K; ++k) {
        accumulate1(da, w + k * HW, sa + lin[k], W, false);
        accumulate1(db, w + k * HW, sb + lin[k], W, false);
      }
    }
    for (; c < C; ++c) {
      const int64_t base = (n * C + c) * HWp + row_base;
      const scalar_t* s = src + base;
      scalar_t* d = dst + base;
      accumulate1(d, wself, s, W, true);
      int64_t k = 0;
      for (; k + 8 <= K; k += 8) accumulate8(d, w + k * HW, HW, s, lin + k, W);
      for (; k < K; ++k) accumulate1(d, w + k * HW, s + lin[k], W, false);
    }
  }
}

template <typename scalar_t>
void step_rows_generic(const scalar_t* src, scalar_t* dst, const scalar_t* P,
                       const int64_t* lin, int64_t K, int64_t C, int64_t H, int64_t W,
                       int64_t pad, int64_t begin, int64_t end) {
  step_rows_impl(src, dst, P, lin, K, C, H, W, pad, begin, end);
}

#if defined(__x86_64__) && defined(__GNUC__)
#define MMLABELEFF_RW_AVX2 1
// The same loop compiled for AVX2 + FMA, chosen at run time when the CPU has
// them (the extension itself is built for the baseline x86-64 ISA).
template <typename scalar_t>
__attribute__((target("avx2,fma"))) void step_rows_avx2(
    const scalar_t* src, scalar_t* dst, const scalar_t* P, const int64_t* lin, int64_t K,
    int64_t C, int64_t H, int64_t W, int64_t pad, int64_t begin, int64_t end) {
  step_rows_impl(src, dst, P, lin, K, C, H, W, pad, begin, end);
}

bool cpu_has_avx2() {
  static const bool has = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return has;
}
#endif

template <typename scalar_t>
void step_kernel(const scalar_t* src, scalar_t* dst, const scalar_t* P, const int64_t* lin,
                 int64_t K, int64_t N, int64_t C, int64_t H, int64_t W, int64_t pad) {
#ifdef MMLABELEFF_RW_AVX2
  const bool avx2 = cpu_has_avx2();
#endif
  at::parallel_for(0, N * H, 1, [&](int64_t begin, int64_t end) {
#ifdef MMLABELEFF_RW_AVX2
    if (avx2) {
      step_rows_avx2<scalar_t>(src, dst, P, lin, K, C, H, W, pad, begin, end);
      return;
    }
#endif
    step_rows_generic<scalar_t>(src, dst, P, lin, K, C, H, W, pad, begin, end);
  });
}

}  // namespace

at::Tensor random_walk_weights_cpu(const at::Tensor& affinity, const at::Tensor& offsets,
                                   double beta, bool transpose) {
  const Offsets off = read_offsets(offsets);
  auto aff = affinity.contiguous();
  const int64_t N = aff.size(0), K = aff.size(1), H = aff.size(2), W = aff.size(3);
  auto P = at::empty({N, K + 1, H, W}, aff.options());
  if (P.numel() == 0) return P;
  AT_DISPATCH_FLOATING_TYPES(aff.scalar_type(), "random_walk_weights_cpu", [&] {
    weights_kernel<scalar_t>(aff.data_ptr<scalar_t>(), P.data_ptr<scalar_t>(), off, N, H,
                             W, static_cast<scalar_t>(beta));
  });
  if (!transpose) return P;
  auto Q = at::empty_like(P);
  AT_DISPATCH_FLOATING_TYPES(aff.scalar_type(), "random_walk_transpose_cpu", [&] {
    transpose_weights_kernel<scalar_t>(P.data_ptr<scalar_t>(), Q.data_ptr<scalar_t>(), off,
                                       N, H, W);
  });
  return Q;
}

at::Tensor random_walk_forward_cpu(const at::Tensor& scores, const at::Tensor& affinity,
                                   const at::Tensor& offsets, double beta, int64_t log_t,
                                   bool transpose) {
  const Offsets off = read_offsets(offsets);
  auto P = random_walk_weights_cpu(affinity, offsets, beta, transpose);
  if (scores.numel() == 0) return scores.clone();
  const int64_t N = scores.size(0), C = scores.size(1), H = scores.size(2),
                W = scores.size(3), K = static_cast<int64_t>(off.dy.size());
  int64_t pad = 0;
  for (int64_t k = 0; k < K; ++k)
    pad = std::max({pad, std::abs(off.dy[k]), std::abs(off.dx[k])});
  const int64_t Wp = W + 2 * pad;
  std::vector<int64_t> lin(K);
  for (int64_t k = 0; k < K; ++k) lin[k] = off.dy[k] * Wp + off.dx[k];
  // Ping-pong buffers with a zero border of `pad` pixels that is never written.
  auto a = at::zeros({N, C, H + 2 * pad, Wp}, scores.options());
  auto b = at::zeros_like(a);
  auto interior = [&](const at::Tensor& t) {
    return t.narrow(2, pad, H).narrow(3, pad, W);
  };
  interior(a).copy_(scores);
  const int64_t steps = int64_t(1) << log_t;
  AT_DISPATCH_FLOATING_TYPES(scores.scalar_type(), "random_walk_forward_cpu", [&] {
    const scalar_t* w = P.data_ptr<scalar_t>();
    scalar_t* cur = a.data_ptr<scalar_t>();
    scalar_t* nxt = b.data_ptr<scalar_t>();
    for (int64_t t = 0; t < steps; ++t) {
      step_kernel<scalar_t>(cur, nxt, w, lin.data(), K, N, C, H, W, pad);
      std::swap(cur, nxt);
    }
  });
  return interior(steps % 2 == 0 ? a : b).contiguous();
}

}  // namespace mmlabeleff
