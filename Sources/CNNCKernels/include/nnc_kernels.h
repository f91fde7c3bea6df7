#ifndef NNC_KERNELS_H
#define NNC_KERNELS_H

// CPU kernels of nnc: raw pointers, explicit dimensions, output first, no allocation.
// Each fast kernel has a naive reference twin or is tested against its formula.

#include "nnc_gemm.h"
#include "nnc_elementwise.h"
#include "nnc_window.h"
#include "nnc_normalization.h"
#include "nnc_losses.h"
#include "nnc_optimizers.h"
#include "nnc_layers.h"
#include "nnc_regularization.h"
#include "nnc_conv.h"
#include "nnc_recurrent.h"
#include "nnc_pool.h"
#include "nnc_peak.h"
#include "nnc_attention.h"

#endif
