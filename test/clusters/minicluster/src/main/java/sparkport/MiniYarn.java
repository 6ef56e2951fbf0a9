package sparkport;

import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;

import com.google.inject.servlet.GuiceFilter;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.service.Service;
import org.apache.hadoop.yarn.api.records.NodeId;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.server.MiniYARNCluster;
import org.apache.hadoop.yarn.server.nodemanager.NodeManager;
import org.apache.hadoop.yarn.server.nodemanager.containermanager.loghandler.NonAggregatingLogHandler;
import org.apache.hadoop.yarn.server.nodemanager.webapp.WebServer;
import org.apache.hadoop.yarn.server.resourcemanager.ResourceManager;
import org.apache.hadoop.yarn.server.resourcemanager.scheduler.capacity.CapacityScheduler;
import org.apache.hadoop.yarn.webapp.WebApp;
import org.apache.hadoop.yarn.webapp.util.WebAppUtils;
import org.eclipse.jetty.servlet.FilterHolder;

/**
 * A YARN cluster in one JVM for the end-to-end tests: one ResourceManager and one NodeManager
 * (Hadoop's MiniYARNCluster), on localhost only, with no HDFS (fs.defaultFS is the local disk, which
 * the NodeManager shares with the submitting client, so Spark's staging files localize as they are).
 *
 * Usage: java -cp ... sparkport.MiniYarn CONF_DIR [key=value ...]
 *
 * The working directory holds the cluster's own files (under target/: NodeManager local and log
 * dirs; cluster.json with the addresses and dirs; effective-config.xml). CONF_DIR receives core-site.xml and yarn-site.xml with the real addresses once the
 * cluster is up; then one line "READY <rm-web-url>" goes to stdout. Each key=value overrides the
 * Hadoop configuration before start. Stops when standard input closes or on SIGTERM.
 *
 * Queues (Capacity Scheduler): root.default and root.batch, 50% each, each free to grow to the
 * whole cluster.
 */
public final class MiniYarn {
  private MiniYarn() {}

  public static void main(String[] args) {
    try {
      run(args);
    } catch (Throwable t) {
      // A failed start leaves non-daemon threads behind: end the JVM (the shutdown hook stops what started).
      System.err.println("MiniYarn: failed");
      t.printStackTrace();
      System.exit(1);
    }
  }

  private static void run(String[] args) throws Exception {
    if (args.length < 1) {
      System.err.println("usage: sparkport.MiniYarn CONF_DIR [key=value ...]");
      System.exit(2);
    }
    File confDir = new File(args[0]).getAbsoluteFile();
    Files.createDirectories(confDir.toPath());

    YarnConfiguration conf = new YarnConfiguration();
    conf.set("fs.defaultFS", "file:///");
    conf.set("hadoop.tmp.dir", new File("target/hadoop-tmp").getAbsolutePath());
    // Localhost only.
    conf.set(YarnConfiguration.RM_BIND_HOST, "127.0.0.1");
    conf.set(YarnConfiguration.NM_BIND_HOST, "127.0.0.1");
    conf.set(YarnConfiguration.RM_HOSTNAME, "localhost");
    conf.set("yarn.nodemanager.hostname", "localhost");
    // The ResourceManager's ports are chosen here, not by the kernel at bind time: with ephemeral
    // ports (MiniYARNCluster's default) the apps' proxied tracking URLs say "localhost:0".
    // (The NodeManager's stay ephemeral: MiniYARNCluster always sets them to port 0.)
    conf.setBoolean(YarnConfiguration.YARN_MINICLUSTER_FIXED_PORTS, true);
    String[] rmKeys = {YarnConfiguration.RM_ADDRESS, YarnConfiguration.RM_SCHEDULER_ADDRESS,
        YarnConfiguration.RM_RESOURCE_TRACKER_ADDRESS, YarnConfiguration.RM_ADMIN_ADDRESS,
        YarnConfiguration.RM_WEBAPP_ADDRESS};
    int[] ports = freePorts(rmKeys.length);
    for (int i = 0; i < rmKeys.length; i++) conf.set(rmKeys[i], "localhost:" + ports[i]);
    // Resources: room for a Spark AM and two small executors (each about 1 GB with overhead).
    // (MiniYARNCluster sets each NodeManager's resources from these yarn.minicluster.* keys.)
    conf.setInt(YarnConfiguration.YARN_MINICLUSTER_NM_PMEM_MB, 8192);
    conf.setInt(YarnConfiguration.NM_PMEM_MB, 8192);
    conf.setInt(YarnConfiguration.NM_VCORES, 8);
    conf.setBoolean(YarnConfiguration.NM_PMEM_CHECK_ENABLED, false);
    conf.setBoolean(YarnConfiguration.NM_VMEM_CHECK_ENABLED, false);
    conf.setInt(YarnConfiguration.RM_SCHEDULER_MINIMUM_ALLOCATION_MB, 256);
    conf.setInt(YarnConfiguration.RM_SCHEDULER_MAXIMUM_ALLOCATION_MB, 8192);
    conf.setInt(YarnConfiguration.RM_SCHEDULER_MAXIMUM_ALLOCATION_VCORES, 8);
    // A nearly full test disk must not turn the only NodeManager unhealthy.
    conf.setFloat(YarnConfiguration.NM_MAX_PER_DISK_UTILIZATION_PERCENTAGE, 100.0f);
    conf.setLong(YarnConfiguration.NM_MIN_PER_DISK_FREE_SPACE_MB, 0);
    // Containers inherit these from this JVM's environment where the application sets none:
    // SPARK_LOCAL_IP (so Spark's driver and executors in containers bind to 127.0.0.1, as the
    // client's do, not to the machine's address) and JAVA_HOME (Spark launches $JAVA_HOME/bin/java).
    // Not yarn.nodemanager.admin-env for SPARK_LOCAL_IP: that one is appended to the application's
    // value ("127.0.0.1:127.0.0.1"), and Spark's AM hands its own SPARK_* variables to executors.
    conf.set(YarnConfiguration.NM_ENV_WHITELIST,
        YarnConfiguration.DEFAULT_NM_ENV_WHITELIST + ",SPARK_LOCAL_IP");
    if (System.getenv("JAVA_HOME") == null) {
      conf.set(YarnConfiguration.NM_ADMIN_USER_ENV,
          "MALLOC_ARENA_MAX=$MALLOC_ARENA_MAX,JAVA_HOME=" + System.getProperty("java.home"));
    }
    // Capacity Scheduler with two queues, so a test can see a queue setting honoured.
    conf.setClass(YarnConfiguration.RM_SCHEDULER, CapacityScheduler.class, Object.class);
    conf.set("yarn.scheduler.capacity.root.queues", "default,batch");
    for (String q : new String[] {"default", "batch"}) {
      String p = "yarn.scheduler.capacity.root." + q + ".";
      conf.set(p + "capacity", "50");
      conf.set(p + "maximum-capacity", "100");
      conf.set(p + "user-limit-factor", "2");
      conf.set(p + "state", "RUNNING");
    }
    // Several Spark AMs at once (tests run side by side): the default 10% would queue the second.
    conf.set("yarn.scheduler.capacity.maximum-am-resource-percent", "1.0");
    // The NodeManager's heartbeat (containers start and end as it comes): quick.
    conf.setLong(YarnConfiguration.RM_NM_HEARTBEAT_INTERVAL_MS, 250);
    for (int i = 1; i < args.length; i++) {
      int eq = args[i].indexOf('=');
      if (eq <= 0) {
        System.err.println("not key=value: " + args[i]);
        System.exit(2);
      }
      conf.set(args[i].substring(0, eq), args[i].substring(eq + 1));
    }

    MiniYARNCluster cluster = new MiniYARNCluster("sparkport-yarn", 1, 1, 1, 1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      System.err.println("MiniYarn: stopping");
      try {
        dropPendingLogDeletions(cluster);
        forgetAppMasters(cluster);
        cluster.stop();
      } catch (Throwable t) {
        t.printStackTrace();
      }
      System.err.println("MiniYarn: stopped");
    }, "miniyarn-stop"));

    long t0 = System.nanoTime();
    cluster.init(conf);
    cluster.start();
    if (!cluster.waitForNodeManagersToConnect(60_000)) {
      throw new IllegalStateException("the NodeManager did not register with the ResourceManager");
    }
    ResourceManager rm = cluster.getResourceManager();
    NodeManager nm = cluster.getNodeManager(0);
    separateWebApps(rm, nm);
    // The ResourceManager's configuration carries its bound addresses (ports chosen at start); the
    // NodeManager's are in its context.
    Configuration rmConf = rm.getConfig();
    Configuration nmConf = nm.getConfig();
    String rmWeb = WebAppUtils.getRMWebAppURLWithScheme(rmConf);
    NodeId nodeId = nm.getNMContext().getNodeId();
    String nmAddress = nodeId.getHost() + ":" + nodeId.getPort();
    String nmWebAddress = nodeId.getHost() + ":" + nm.getNMContext().getHttpPort();

    Map<String, String> core = new LinkedHashMap<>();
    core.put("fs.defaultFS", "file:///");
    Map<String, String> yarn = new LinkedHashMap<>();
    yarn.put(YarnConfiguration.RM_HOSTNAME, "localhost");
    for (String key : new String[] {
        YarnConfiguration.RM_ADDRESS, YarnConfiguration.RM_SCHEDULER_ADDRESS,
        YarnConfiguration.RM_RESOURCE_TRACKER_ADDRESS, YarnConfiguration.RM_ADMIN_ADDRESS,
        YarnConfiguration.RM_WEBAPP_ADDRESS, YarnConfiguration.RM_SCHEDULER,
        YarnConfiguration.RM_SCHEDULER_MINIMUM_ALLOCATION_MB,
        YarnConfiguration.RM_SCHEDULER_MAXIMUM_ALLOCATION_MB,
        YarnConfiguration.RM_SCHEDULER_MAXIMUM_ALLOCATION_VCORES}) {
      yarn.put(key, rmConf.get(key));
    }
    yarn.put(YarnConfiguration.NM_ADDRESS, nmAddress);
    yarn.put(YarnConfiguration.NM_WEBAPP_ADDRESS, nmWebAddress);
    // For the tests (where container logs and working dirs are): clients do not use these.
    yarn.put(YarnConfiguration.NM_LOCAL_DIRS, nmConf.get(YarnConfiguration.NM_LOCAL_DIRS));
    yarn.put(YarnConfiguration.NM_LOG_DIRS, nmConf.get(YarnConfiguration.NM_LOG_DIRS));
    writeConf(new File(confDir, "core-site.xml"), core);
    writeConf(new File(confDir, "yarn-site.xml"), yarn);
    // Beside the cluster, not in CONF_DIR (whose every file Spark ships with each application):
    // everything in force, for whoever debugs, and the cluster's addresses and dirs for the tests.
    try (OutputStream out = new FileOutputStream("effective-config.xml")) {
      rmConf.writeXml(out);
    }
    String json = String.format(
        "{\"rmWebUrl\": %s, \"rmAddress\": %s, \"nmAddress\": %s, \"nmWebUrl\": %s, "
            + "\"nmLocalDirs\": %s, \"nmLogDirs\": %s, \"workDir\": %s, \"confDir\": %s}%n",
        q(rmWeb), q(rmConf.get(YarnConfiguration.RM_ADDRESS)), q(nmAddress), q("http://" + nmWebAddress),
        q(nmConf.get(YarnConfiguration.NM_LOCAL_DIRS)), q(nmConf.get(YarnConfiguration.NM_LOG_DIRS)),
        q(cluster.getTestWorkDir().getAbsolutePath()), q(confDir.getPath()));
    Files.writeString(new File("cluster.json").toPath(), json);
    System.err.printf("MiniYarn: up in %d ms; RM %s, web %s, NM %s, NM web %s%n",
        (System.nanoTime() - t0) / 1_000_000, rmConf.get(YarnConfiguration.RM_ADDRESS), rmWeb,
        nmAddress, nmWebAddress);
    System.out.println("READY " + rmWeb);
    System.out.flush();

    // Until standard input closes (the fixture's process ended) or SIGTERM (the shutdown hook).
    InputStream in = System.in;
    byte[] buf = new byte[256];
    while (in.read(buf) >= 0) {
      // ignore input
    }
    System.err.println("MiniYarn: standard input closed");
    System.exit(0);
  }

  /**
   * The ResourceManager's and the NodeManager's web servers each install a GuiceFilter made by
   * Jetty, which serves whichever Guice pipeline was created last (a static): in one JVM the
   * NodeManager's, so the RM's /ws/v1/cluster/... answer "controller for v1 not found". Give each
   * filter its own web app's pipeline (the one in the GuiceFilter its WebApp keeps).
   */
  private static void separateWebApps(ResourceManager rm, NodeManager nm) throws Exception {
    Method getWebapp = ResourceManager.class.getDeclaredMethod("getWebapp");
    getWebapp.setAccessible(true);
    ownPipeline((WebApp) getWebapp.invoke(rm));
    for (Service s : nm.getServices()) {
      if (s instanceof WebServer) {
        Field f = WebServer.class.getDeclaredField("webApp");
        f.setAccessible(true);
        ownPipeline((WebApp) f.get(s));
      }
    }
  }

  private static void ownPipeline(WebApp webApp) throws Exception {
    Field kept = WebApp.class.getDeclaredField("guiceFilter");
    kept.setAccessible(true);
    Field pipeline = GuiceFilter.class.getDeclaredField("injectedPipeline");
    pipeline.setAccessible(true);
    Object own = pipeline.get(kept.get(webApp));
    FilterHolder holder = webApp.httpServer().getWebAppContext().getServletHandler().getFilter("guice");
    pipeline.set(holder.getFilter(), own);
  }

  /**
   * The NodeManager's NonAggregatingLogHandler holds each finished application's log deletion,
   * due yarn.nodemanager.log.retain-seconds later, and its stop waits 10 s for them. Nobody
   * keeps these logs past the cluster: drop them.
   */
  private static void dropPendingLogDeletions(MiniYARNCluster cluster) {
    try {
      Object cm = cluster.getNodeManager(0).getNMContext().getContainerManager();
      if (!(cm instanceof org.apache.hadoop.service.CompositeService)) return;
      for (Service s : ((org.apache.hadoop.service.CompositeService) cm).getServices()) {
        if (s instanceof NonAggregatingLogHandler) {
          Field f = NonAggregatingLogHandler.class.getDeclaredField("sched");
          f.setAccessible(true);
          Object sched = f.get(s);
          if (sched != null) ((java.util.concurrent.ExecutorService) sched).shutdownNow();
        }
      }
    } catch (Throwable t) {
      System.err.println("MiniYarn: could not drop pending log deletions: " + t);
    }
  }

  /**
   * MiniYARNCluster's RM stop waits 5 s for the AMs it saw register to unregister, which a killed
   * application's never does ("Stopping RM while some app masters are still alive"): forget them.
   */
  private static void forgetAppMasters(MiniYARNCluster cluster) {
    try {
      Field f = MiniYARNCluster.class.getDeclaredField("appMasters");
      f.setAccessible(true);
      ((Map<?, ?>) f.get(cluster)).clear();
    } catch (Throwable t) {
      System.err.println("MiniYarn: could not forget the app masters: " + t);
    }
  }

  private static int[] freePorts(int n) throws IOException {
    java.net.ServerSocket[] sockets = new java.net.ServerSocket[n];
    int[] ports = new int[n];
    try {
      for (int i = 0; i < n; i++) {
        sockets[i] = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"));
        ports[i] = sockets[i].getLocalPort();
      }
    } finally {
      for (java.net.ServerSocket s : sockets) if (s != null) s.close();
    }
    return ports;
  }

  private static String q(String v) {
    if (v == null) return "null";
    StringBuilder b = new StringBuilder("\"");
    for (char c : v.toCharArray()) {
      if (c == '"' || c == '\\') b.append('\\').append(c);
      else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
      else b.append(c);
    }
    return b.append('"').toString();
  }

  private static void writeConf(File file, Map<String, String> props) throws IOException {
    Configuration c = new Configuration(false);
    props.forEach((k, v) -> {
      if (v != null) c.set(k, v);
    });
    File tmp = new File(file.getPath() + ".tmp");
    try (OutputStream out = new FileOutputStream(tmp)) {
      c.writeXml(out);
    }
    Files.move(tmp.toPath(), file.toPath(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }
}
