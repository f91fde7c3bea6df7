#ifndef NNC_PEAK_H
#define NNC_PEAK_H

// The core's arithmetic peak, measured: the honest yardstick for a kernel's speed, since
// clocks (and turbo) differ from one machine to the next.

#ifdef __cplusplus
extern "C" {
#endif

/// Runs independent single-precision FMA chains (12 vectors of 16 with AVX-512, of 8 with
/// AVX2/FMA, else scalar chains) on the calling thread for about `seconds` and returns the GFLOP/s reached
/// (2 FLOPs per lane per FMA).
double nnc_fma_peak_gflops(double seconds);

#ifdef __cplusplus
}
#endif

#endif
