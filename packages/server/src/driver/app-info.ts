/**
 * Finding a batch's Spark application id and UI in spark-submit's output. Cluster managers print
 * the id (YARN: "Submitted application application_…", standalone: "Connected to Spark cluster
 * with app ID app-…"); local mode never prints it, but does print the UI's port, and the UI's
 * REST API names the running application.
 */
const APP_ID_LINES: RegExp[] = [
  /Submitted application (application_\d+_\d+)/,
  /Connected to Spark cluster with app ID (\S+)/,
  /Application report for (application_\d+_\d+)/,
];

export interface ParsedAppLine {
  appId?: string;
  /** Host the UI's Jetty binds, printed a line before its port. */
  uiHost?: string;
  uiPort?: number;
  sparkUiUrl?: string;
}

export function parseAppLine(line: string): ParsedAppLine {
  for (const re of APP_ID_LINES) {
    const m = re.exec(line);
    if (m) return { appId: m[1] };
  }
  const jetty = /Start Jetty (\[[^\]]+\]|[^\s:]+):\d+ for SparkUI/.exec(line);
  if (jetty) return { uiHost: jetty[1] };
  const port = /Successfully started service 'SparkUI' on port (\d+)/.exec(line);
  if (port) return { uiPort: Number(port[1]) };
  const bound = /Bound SparkUI to \S+, and started at (https?:\/\/\S+)/.exec(line);
  if (bound) return { sparkUiUrl: bound[1]!.replace(/\/$/, '') };
  return {};
}

export function uiUrl(host: string | undefined, port: number): string {
  const h = !host || host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host;
  return `http://${h}:${port}`;
}

/** Asks a running driver's UI which application it serves; null if it can't tell (yet). */
export async function lookupAppId(sparkUiUrl: string, attempts = 5, delayMs = 500): Promise<string | null> {
  for (let i = 0; i < attempts; i++) {
    try {
      const res = await fetch(`${sparkUiUrl}/api/v1/applications`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) {
        const apps = (await res.json()) as { id?: unknown }[];
        const id = apps?.[0]?.id;
        if (typeof id === 'string' && id) return id;
      }
    } catch {
      // The UI may not answer yet, or the application already ended.
    }
    await new Promise((r) => setTimeout(r, delayMs));
  }
  return null;
}
