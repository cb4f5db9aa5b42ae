"""A private nginx in front of the bench's gunicorn, as deploy/nginx.conf puts one in
production: it buffers answers and sends the cached CSV exports itself (X-Accel-Redirect),
so slow downloads hold nginx connections, not the two sync workers."""

import os
import shutil
import socket
import subprocess
import time

ACCEL = "/_exports/"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def conf(prefix, port, upstream, cache_dir):
    temp = " ".join(f"{kind}_temp_path {prefix}/{kind};"
                    for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    user = "user root;\n" if os.geteuid() == 0 else ""  # the bench's files are private
    return f"""{user}daemon off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log;
events {{ worker_connections 512; }}
http {{
    access_log off;
    {temp}
    server {{
        listen 127.0.0.1:{port};
        location / {{ proxy_pass http://127.0.0.1:{upstream}; proxy_set_header Host $host; }}
        location {ACCEL} {{ internal; alias {cache_dir}/; }}
    }}
}}
"""


def start(tmp, upstream, cache_dir):
    """(process, port) of nginx proxying to 127.0.0.1:upstream; None when not installed."""
    nginx = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin")
    if nginx is None:
        return None
    prefix = os.path.join(tmp, "nginx")
    os.makedirs(prefix, exist_ok=True)
    port = free_port()
    path = os.path.join(prefix, "nginx.conf")
    with open(path, "w") as f:
        f.write(conf(prefix, port, upstream, cache_dir))
    proc = subprocess.Popen([nginx, "-p", prefix, "-c", path], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    for _ in range(50):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc, port
        except OSError:
            time.sleep(0.1)
    proc.terminate()
    raise RuntimeError(f"nginx did not start; see {prefix}/error.log")
