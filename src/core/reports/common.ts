// What the report builders share: the JSON contract's version, a resolved fit question, layout names
// and which speed profile a precision runs under.
import type { Engine } from '../engines.js';
import type { FitOptions, Plan } from '../fit.js';
import type { Precision } from '../precision.js';
import type { CheckpointCheck } from '../checkpoint.js';
import type { Card, Gpu } from '../types.js';

export const SCHEMA_VERSION = 1;

/** A fit question with every name resolved and every default applied. */
export interface FitSetup {
  card: Card;
  /** where the card came from (a built-in file, a user file, a config) */
  file: string;
  gpu: Gpu;
  precisions: Precision[];
  /** true when the precisions were asked for (the first one is then the plan drawn) */
  explicitPrecision: boolean;
  options: Omit<FitOptions, 'precision'>;
  kvPrecision: string;
  explicitContext: boolean;
  /** the vision / audio towers are left out (vLLM --language-model-only) */
  textOnly: boolean;
  engine?: Engine | undefined;
  /** the model's checkpoint headers against the derivation (hub models, model folders, GGUF files) */
  checkpoint?: CheckpointCheck | undefined;
}

/** The speed profile a plan is estimated with: the --engine given, else llama.cpp for GGUF files and vLLM otherwise. */
export function speedEngineFor(p: Precision, engine?: string): 'llama.cpp' | 'vllm' | 'sglang' {
  if (engine === 'llama.cpp' || engine === 'vllm' || engine === 'sglang') return engine;
  return p.gguf ? 'llama.cpp' : 'vllm';
}

/** "TP8", "TP8 x PP2", "DP8 x EP8", "TP2 x DP4, EP8", "TP4 x DP2" (experts sharded over all 8). */
export function layoutName(
  p: Pick<Plan, 'tensorParallel' | 'pipelineParallel'> & Partial<Pick<Plan, 'dataParallel' | 'expertParallel'>>,
): string {
  const dp = p.dataParallel ?? 1;
  const ep = p.expertParallel ?? 0;
  const pp = p.pipelineParallel > 1 ? ` x PP${p.pipelineParallel}` : '';
  if (dp === 1 && ep === 0) return `TP${p.tensorParallel}${pp}`;
  if (p.tensorParallel === 1 && ep === dp) return `DP${dp} x EP${ep}${pp}`;
  const parts = [p.tensorParallel > 1 ? `TP${p.tensorParallel}` : '', dp > 1 ? `DP${dp}` : ''].filter(Boolean);
  return `${parts.join(' x ')}${pp}${ep ? `, EP${ep}` : ''}`;
}
