"""Sparkport's session driver in Spark cluster deploy mode (PROTOCOL.md §1).

The server runs `spark-submit --deploy-mode cluster --py-files sparkport_driver.zip ...
sparkport_cluster_driver.py`: this file is the application's primary resource, run by
spark-submit's PythonRunner inside the cluster's driver container (YARN application master,
Kubernetes driver pod), with the sparkport_driver package on PYTHONPATH from the zip. Its
settings come as environment variables from the cluster manager (spark.yarn.appMasterEnv.*,
spark.kubernetes.driverEnv.*): SPARKPORT_CONNECT, SPARKPORT_TOKEN, SPARKPORT_SESSION_ID and
SPARKPORT_TLS_CERT. The JVM is already running (PYSPARK_GATEWAY_PORT); the driver attaches to it.
"""

import sys

if __name__ == "__main__":
    try:
        from sparkport_driver.main import main
    except ImportError as e:
        # Nothing is logging yet: this goes to the container's log, which the server shows.
        print(f"sparkport-driver: cannot import the sparkport_driver package ({e}); "
              "it comes with --py-files", file=sys.stderr, flush=True)
        sys.exit(2)  # EXIT_HANDSHAKE: the driver never reached the server
    sys.exit(main())
