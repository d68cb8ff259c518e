import * as tf from '@tensorflow/tfjs';
import { FUSED_KERNELS, VlakitError } from '@vlakit/core';
import { ADAMW_KERNEL, registerAdamWKernels } from './adamw.js';
import { registerAttentionKernels, unregisterAttentionKernels } from './attention.js';
import { type BackendName, parseBackendName } from './backend-name.js';
import { registerDenseKernels, unregisterDenseKernels } from './dense.js';
import { registerFusedKernels, unregisterFusedKernels } from './fused-ops.js';
import { registerGruKernels, unregisterGruKernels } from './gru-sequence.js';
import { type ImportModule, loadTensorflow } from './load-tensorflow.js';
import { loadNativeBlas } from './native-blas.js';
import { nativeFused } from './native-fused.js';
import { registerWasmKernels, unregisterWasmKernels } from './wasm-kernels/register-wasm-kernels.js';

export interface BackendInfo {
  /** The tfjs backend now active: 'tensorflow', 'wasm' or 'cpu'. */
  backend: string;
  /** One line for logs and run records: what runs, and why when `auto` chose. */
  description: string;
  /** Our kernel overrides active on this backend (empty for tensorflow and cpu). */
  kernels: string[];
}

export interface InitBackendOptions {
  /** How optional packages are imported (tests inject failures here). */
  importModule?: ImportModule;
  /**
   * Use the OpenBLAS addon for matmuls on wasm when it loads (default true; VLAKIT_NATIVE=0 also
   * turns it off).
   */
  native?: boolean;
  /** Register our faster wasm kernels and cpu fallbacks (default true). */
  fastKernels?: boolean;
  /**
   * Register the fused LayerNorm / GELU / AdamW / GRU-sequence / attention kernels (wasm and cpu), which core's layers, and so
   * every stage, then use (default true; off when `fastKernels` is false).
   */
  fused?: boolean;
}

/**
 * Picks and initialises the tfjs backend. `tensorflow` loads tfjs-node-gpu, else tfjs-node, and
 * fails with the reasons when neither loads; `wasm` is tfjs-wasm with our kernels (and the OpenBLAS
 * addon when it loads); `auto` is tensorflow when it loads, else wasm, and never drops to cpu.
 */
export async function initBackend(
  name: BackendName = 'auto',
  options: InitBackendOptions = {},
): Promise<BackendInfo> {
  const which = parseBackendName(name);
  if (which === 'cpu') {
    await setBackend('cpu');
    return {
      backend: 'cpu',
      description: 'tfjs cpu (plain JavaScript, slow: for reference runs)',
      kernels: [],
    };
  }
  if (which === 'tensorflow') return initTensorflow(options);
  if (which === 'wasm') return initWasm(options, '');
  try {
    return await initTensorflow(options);
  } catch (error) {
    const reasons = VlakitError.isInstance(error, 'backend') ? error.details.reasons : undefined;
    const why = Array.isArray(reasons) ? reasons.join('; ') : String(error);
    return initWasm(options, ` (auto: tensorflow unavailable: ${why})`);
  }
}

async function initTensorflow(options: InitBackendOptions): Promise<BackendInfo> {
  const pkg = await loadTensorflow(options.importModule);
  await setBackend('tensorflow');
  return { backend: 'tensorflow', description: `tensorflow via ${pkg}`, kernels: [] };
}

/** Removes every fused kernel (LayerNorm/GELU, GRU, attention, dense) from wasm and cpu. */
function unregisterAllFusedKernels(): void {
  unregisterFusedKernels();
  unregisterGruKernels();
  unregisterAttentionKernels();
  unregisterDenseKernels();
}

async function initWasm(options: InitBackendOptions, note: string): Promise<BackendInfo> {
  // Registered on demand: importing it at load time would make wasm (priority 2) tfjs's default
  // backend in every program that merely imports this package.
  await import('@tensorflow/tfjs-backend-wasm');
  await setBackend('wasm');
  if (options.fastKernels === false) {
    unregisterWasmKernels(); // in case an earlier call registered them
    unregisterAllFusedKernels();
    return { backend: 'wasm', description: `tfjs-wasm with stock kernels${note}`, kernels: [] };
  }
  const native = options.native === false ? undefined : loadNativeBlas();
  const blas = native?.loaded ? native.blas : undefined;
  const kernels = registerWasmKernels({ native: blas });
  const fused = options.fused !== false;
  const loops = nativeFused(blas);
  if (fused) {
    // the C loops of the addon when it loaded, JavaScript loops otherwise
    registerFusedKernels({ native: loops });
    registerAdamWKernels({ native: loops });
    // with JavaScript loops for their matmuls the fused GRU and attention are slower than composed
    // ops on XNNPACK, so on wasm they need the OpenBLAS addon
    if (blas) registerGruKernels({ native: blas });
    else unregisterGruKernels();
    if (loops) {
      registerAttentionKernels({ native: loops });
      registerDenseKernels({ native: loops });
    } else {
      unregisterAttentionKernels();
      unregisterDenseKernels();
    }
  } else {
    unregisterAllFusedKernels();
  }
  const matmul = blas
    ? `OpenBLAS matmul (${blas.config().trim()})`
    : `XNNPACK matmul${native && !native.loaded ? `; native addon ${native.reason}` : ''}`;
  return {
    backend: 'wasm',
    description: `tfjs-wasm with vlakit kernels, ${matmul}, ${kernels.fallbacks.length} cpu fallbacks${note}`,
    kernels: [
      ...kernels.overrides,
      ...(fused ? [FUSED_KERNELS.layerNorm, FUSED_KERNELS.gelu, ADAMW_KERNEL] : []),
      ...(fused && blas ? [FUSED_KERNELS.gruSequence] : []),
      ...(fused && loops ? [FUSED_KERNELS.attention, FUSED_KERNELS.dense] : []),
      ...kernels.fallbacks.map((k) => `${k}(cpu)`),
    ],
  };
}

async function setBackend(name: string): Promise<void> {
  let ok = false;
  let cause: unknown;
  try {
    ok = await tf.setBackend(name);
  } catch (error) {
    cause = error;
  }
  if (!ok || tf.getBackend() !== name) {
    throw new VlakitError(
      'backend',
      `the tfjs ${name} backend failed to initialise${cause ? `: ${String(cause)}` : ''}`,
      {
        cause,
      },
    );
  }
  await tf.ready();
}
