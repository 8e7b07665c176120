/** Stable codes for what the deployment checks can fail on (docs/style.md §3). */
export type ChecksErrorCode =
  | 'K8S_CHECKS_KUBECTL_MISSING'
  | 'K8S_CHECKS_RENDER_FAILED'
  | 'K8S_CHECKS_UNKNOWN_KIND'
  | 'K8S_CHECKS_CONFIG_CHILD_FAILED'
  | 'K8S_CHECKS_SOURCE_UNREADABLE';

export class ChecksError extends Error {
  constructor(
    readonly code: ChecksErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
    this.name = 'ChecksError';
  }
}
