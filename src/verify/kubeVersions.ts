/**
 * Kubernetes minors in upstream support on the release date of this version (the three newest).
 * `chartwright test --kube-version` overrides; the README says which minors have bundled schemas.
 */
export const DEFAULT_KUBE_VERSIONS = ['1.35', '1.36', '1.37'];
