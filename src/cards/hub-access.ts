// Types shared by the registry, the library API and the hub-backed model sources, kept apart from the
// hub layer so the library's type declarations never reach into @huggingface/hub.

/** How the command line lets the hub be reached (the CLI's --timeout, --debug, --json). */
export interface HubAccess {
  timeoutMs?: number;
  /** a progress line on stderr when it is a terminal (never under --json) */
  progress?: boolean;
  debug?: boolean;
  /** skip the checkpoint headers (config only) */
  configOnly?: boolean;
}

/** A model type the importer does not know, described from its checkpoint's headers. */
export interface CheckpointOnly {
  source: string;
  modelType: string;
  reason: string;
  estimate: {
    totalParams: number;
    weightBytes: number;
    routedParams: number;
    experts?: number | undefined;
    expertsPerToken?: number | undefined;
    activeParams?: number | undefined;
    activeIsEstimate: true;
    kv?: { layers: number; kvHeads: number; headDim: number; elementsPerToken: number } | undefined;
    notes: string[];
  };
  byDtype: { dtype: string; tensors: number; params: number; bytes: number }[];
  files: number;
  tensors: number;
}
