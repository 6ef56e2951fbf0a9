/**
 * Finding a batch's application id and UI in spark-submit output (driver/app-info.ts), with
 * lines as Spark 4 prints them, and the UI lookup local mode needs.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { lookupAppId, parseAppLine, uiUrl } from '../../src/driver/app-info.ts';

describe('application info from spark-submit output', () => {
  test('cluster managers print the id', () => {
    assert.deepEqual(parseAppLine('24/01/01 INFO YarnClientImpl: Submitted application application_1700000000000_0042'), { appId: 'application_1700000000000_0042' });
    assert.deepEqual(parseAppLine('INFO StandaloneSchedulerBackend: Connected to Spark cluster with app ID app-20240101120000-0007'), { appId: 'app-20240101120000-0007' });
    assert.deepEqual(parseAppLine('INFO Client: Application report for application_1_2 (state: RUNNING)'), { appId: 'application_1_2' });
  });

  test('local mode prints where the UI is: host, then port', () => {
    assert.deepEqual(parseAppLine('26/11/26 00:17:52 INFO JettyUtils: Start Jetty 127.0.0.1:0 for SparkUI'), { uiHost: '127.0.0.1' });
    assert.deepEqual(parseAppLine("26/11/26 00:17:52 INFO Utils: Successfully started service 'SparkUI' on port 37777."), { uiPort: 37777 });
    assert.deepEqual(parseAppLine('INFO SparkUI: Bound SparkUI to 0.0.0.0, and started at http://host:4040'), { sparkUiUrl: 'http://host:4040' });
    assert.equal(uiUrl('127.0.0.1', 4041), 'http://127.0.0.1:4041');
    assert.equal(uiUrl('0.0.0.0', 4041), 'http://127.0.0.1:4041');
    assert.equal(uiUrl(undefined, 4041), 'http://127.0.0.1:4041');
  });

  test('ordinary lines, and a user printing an id-like word, find nothing', () => {
    for (const l of ['RESULT 42', 'local-1700000000000', "INFO Utils: Successfully started service 'sparkDriver' on port 39155.", 'INFO SparkContext: Submitted application: tjob']) {
      assert.deepEqual(parseAppLine(l), {}, l);
    }
  });

  test('the UI\'s REST API names the running application; no UI is null', async () => {
    const server = http.createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(req.url === '/api/v1/applications' ? JSON.stringify([{ id: 'local-1795652272767', name: 'tjob' }]) : '[]');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { port } = server.address() as AddressInfo;
      assert.equal(await lookupAppId(`http://127.0.0.1:${port}`), 'local-1795652272767');
    } finally {
      server.close();
    }
    assert.equal(await lookupAppId('http://127.0.0.1:1', 2, 1), null);
  });
});
