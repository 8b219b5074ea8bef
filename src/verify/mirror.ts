import { UsageError } from '../errors.js';

export interface Mirror {
  /** oci://host:port/path holding every dependency chart under its own name. */
  url: string;
  plainHttp: boolean;
}

const LOOPBACK = /^oci:\/\/(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?(\/|$)/;

/** --mirror, else CHARTWRIGHT_MIRROR; loopback registries are plain HTTP. */
export function resolveMirror(flag: string | undefined, plainHttp: boolean): Mirror | undefined {
  const url = flag ?? process.env.CHARTWRIGHT_MIRROR;
  if (!url) return undefined;
  if (!/^oci:\/\/[^/\s]+(\/[^\s]*)?$/.test(url)) {
    throw new UsageError(`invalid --mirror ${JSON.stringify(url)}: must be an OCI registry URL like oci://registry.internal:5000/charts`);
  }
  return { url, plainHttp: plainHttp || process.env.CHARTWRIGHT_MIRROR_PLAIN_HTTP === '1' || LOOPBACK.test(url) };
}
