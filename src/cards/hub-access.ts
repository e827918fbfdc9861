// Types shared by the registry, the library API and the hub-backed model sources, kept apart from the
// hub layer so the library's type declarations never reach into @huggingface/hub.

/** How the command line lets the hub be reached (the CLI's --timeout, --debug, --json). */
export interface HubAccess {
  timeoutMs?: number;
  /** a progress line on stderr when it is a terminal (never under --json) */
  progress?: boolean;
  debug?: boolean;
}

export type { CheckpointOnly } from '../core/checkpoint.js';
