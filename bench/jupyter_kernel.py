"""Starts python3 kernels on a running Jupyter server, one after another, and prints the timings as
JSON on stdout. Run by bench/warm-start.ts with .venv-bench's Python (websocket-client is there):

    jupyter_kernel.py URL TOKEN N

For each kernel, from just before POST /api/kernels:
  post_s     the POST answered (the kernel process spawned; the REST state says "starting")
  ready_s    a kernel_info_reply received over the kernel's websocket channel: the kernel answers
             requests, what jupyter_client's wait_for_ready waits for and what JupyterLab shows as
             "Idle". The equivalent of a Sparkport session's `idle`, which is also "ready for
             code", not "has run some".
  execute_s  `1 + 1` executed and its `2` back, over the same websocket, right after.
Then the websocket is closed and the kernel deleted (DELETE waits for its shutdown).

Why a websocket: jupyter_server's REST execution_state comes from the kernel's iopub status
messages, which the kernel sends only in reply to a request; with no client connected a started
kernel stays "starting" over REST (tried: 20 s of polling GET /api/kernels/{id}). The websocket
reply arrives as it happens, where the Sparkport figure polls every 10 ms: Jupyter gets up to
10 ms of advantage. jupyter_server opens the channel only once its own kernel_info "nudge" has an
iopub message back, and nudges every 0.5 s: when the first nudge's iopub reply is missed (ZeroMQ
subscribes late), ready comes 0.5 s later, which is what sets the kernels' p95 (about 0.8 s beside
a p50 near 0.3 s on the project's machine). JupyterLab waits the same way.
"""
import json
import sys
import time
import urllib.request
import uuid

import websocket  # websocket-client


def main() -> None:
    url, token, n = sys.argv[1].rstrip('/'), sys.argv[2], int(sys.argv[3])
    headers = {'Authorization': f'token {token}', 'Content-Type': 'application/json'}

    def rest(method: str, path: str, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(url + path, method=method, headers=headers, data=data)
        with urllib.request.urlopen(req, timeout=60) as res:
            text = res.read()
        return json.loads(text) if text else None

    session = uuid.uuid4().hex

    def message(msg_type: str, content: dict) -> str:
        header = {'msg_id': uuid.uuid4().hex, 'msg_type': msg_type, 'session': session, 'username': 'bench',
                  'date': time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime()), 'version': '5.3'}
        return json.dumps({'header': header, 'parent_header': {}, 'metadata': {}, 'content': content,
                           'channel': 'shell', 'buffers': []}), header['msg_id']

    def await_replies(ws, msg_id: str, want: set, deadline: float) -> dict:
        """The messages of the types in `want` that answer msg_id (shell and iopub, in any order)."""
        got = {}
        while want - got.keys():
            if time.perf_counter() > deadline:
                raise TimeoutError(f'no {sorted(want - got.keys())} within 60 s')
            ws.settimeout(max(0.1, deadline - time.perf_counter()))
            msg = json.loads(ws.recv())
            if msg.get('parent_header', {}).get('msg_id') == msg_id and msg['header']['msg_type'] in want:
                got[msg['header']['msg_type']] = msg
        return got

    out = {'post_s': [], 'ready_s': [], 'execute_s': [], 'rest_state_after_ready': []}
    ws_base = 'ws' + url[len('http'):]
    for _ in range(n):
        t0 = time.perf_counter()
        kernel = rest('POST', '/api/kernels', {'name': 'python3'})
        t_post = time.perf_counter() - t0
        deadline = t0 + 60
        # The channel opens once the kernel process is up; before that the server holds the upgrade.
        ws = websocket.create_connection(f"{ws_base}/api/kernels/{kernel['id']}/channels?session_id={session}",
                                         header=[f'Authorization: token {token}'], timeout=60)
        try:
            text, msg_id = message('kernel_info_request', {})
            ws.send(text)
            await_replies(ws, msg_id, {'kernel_info_reply'}, deadline)
            t_ready = time.perf_counter() - t0
            text, msg_id = message('execute_request', {'code': '1 + 1', 'silent': False, 'store_history': False,
                                                        'user_expressions': {}, 'allow_stdin': False, 'stop_on_error': True})
            ws.send(text)
            got = await_replies(ws, msg_id, {'execute_result', 'execute_reply'}, deadline)
            result, reply = got['execute_result'], got['execute_reply']
            t_exec = time.perf_counter() - t0
            if reply['content']['status'] != 'ok' or result['content']['data'].get('text/plain') != '2':
                raise RuntimeError(f"1 + 1 gave {result['content']} / {reply['content']['status']}")
        finally:
            ws.close()
        out['post_s'].append(t_post)
        out['ready_s'].append(t_ready)
        out['execute_s'].append(t_exec)
        out['rest_state_after_ready'].append(rest('GET', f"/api/kernels/{kernel['id']}")['execution_state'])
        rest('DELETE', f"/api/kernels/{kernel['id']}")
    json.dump(out, sys.stdout)


if __name__ == '__main__':
    main()
