/** Links from drivers and spark-submit output reach clients (and the web UI's hrefs) only when they are http(s). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { webUrl } from '../../src/http/livy-view.ts';

test('http and https links pass; script, data and other schemes, and junk, become null', () => {
  assert.equal(webUrl('http://127.0.0.1:4040'), 'http://127.0.0.1:4040');
  assert.equal(webUrl('https://rm.example.com:8090/proxy/application_1_0001/'), 'https://rm.example.com:8090/proxy/application_1_0001/');
  for (const bad of ['javascript:alert(document.domain)', 'JAVASCRIPT:alert(1)', ' javascript:x', 'data:text/html,<script>1</script>',
    'vbscript:x', '//evil.example', 'http://a b', 'file:///etc/passwd', '', null, undefined]) {
    assert.equal(webUrl(bad), null, String(bad));
  }
});
