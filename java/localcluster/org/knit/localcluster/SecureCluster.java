package org.knit.localcluster;

import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileUtil;
import org.apache.hadoop.minikdc.MiniKdc;
import org.apache.hadoop.security.UserGroupInformation;

/**
 * Kerberos for the local cluster: Hadoop's own MiniKdc in the cluster JVM, the principals and keytabs, krb5.conf,
 * and the settings that make HDFS and YARN secure (Kerberos RPC with privacy, service authorization, block access
 * tokens, SASL data transfer with HTTPS, SPNEGO on every web endpoint, YARN ACLs).
 *
 * <p>Every daemon runs in this one JVM, and a JVM has one Kerberos login: so one service principal,
 * {@code knit/localhost}, is the NameNode, the DataNode, the RM and every NodeManager (Hadoop's own secure
 * mini-cluster tests do the same, with {@code hdfs/localhost}), and {@code HTTP/localhost} serves SPNEGO. Its short
 * name {@code knit} is thus the HDFS superuser and the YARN admin. Users {@code alice} and {@code bob} each get a
 * keytab. Principals are written literally ({@code knit/localhost@REALM}, no {@code _HOST}): every endpoint is on
 * {@code localhost}, whatever address a client dialled.
 *
 * <p>Containers still run as the NodeManager's OS user: MiniYARNCluster uses the DefaultContainerExecutor (the
 * LinuxContainerExecutor needs a setuid binary and OS accounts for alice and bob). Inside them, HDFS and YARN act
 * for the application's user through its delegation tokens, as on a real secure cluster.
 */
final class SecureCluster {

  static final String REALM = "KNIT.TEST";
  static final String SERVICE = "knit";
  static final String[] USERS = {"alice", "bob"};

  private final File dir;
  private final MiniKdc kdc;
  private final File krb5Conf;
  private final File serviceKeytab;
  private final Tls tls;

  private SecureCluster(File dir, MiniKdc kdc, File krb5Conf, File serviceKeytab, Tls tls) {
    this.dir = dir;
    this.kdc = kdc;
    this.krb5Conf = krb5Conf;
    this.serviceKeytab = serviceKeytab;
    this.tls = tls;
  }

  static String principal(String name) {
    return name + "@" + REALM;
  }

  static String servicePrincipal() {
    return principal(SERVICE + "/" + YarnSettings.HOST);
  }

  static String spnegoPrincipal() {
    return principal("HTTP/" + YarnSettings.HOST);
  }

  /**
   * Starts the KDC, creates the principals and keytabs in {@code clusterDir/kerberos}, writes krb5.conf (and makes
   * this JVM use it) and the TLS material.
   */
  static SecureCluster start(File clusterDir, File serverConfDir, File clientConfDir) throws Exception {
    File dir = new File(clusterDir, "kerberos");
    FileUtil.fullyDelete(dir);
    // 0700: keytabs are written into it before their own mode can be set.
    Files.createDirectories(dir.toPath(),
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    Properties props = MiniKdc.createConf();
    props.setProperty(MiniKdc.ORG_NAME, "KNIT");
    props.setProperty(MiniKdc.ORG_DOMAIN, "TEST");
    props.setProperty(MiniKdc.KDC_BIND_ADDRESS, YarnSettings.HOST);
    MiniKdc kdc = new MiniKdc(props, new File(dir, "kdc"));
    kdc.start();
    try {
      File krb5 = writeKrb5Conf(new File(dir, "krb5.conf"), kdc.getPort());
      // One krb5.conf for the KDC's clients in this JVM and outside it (set before any Kerberos login here).
      System.setProperty(MiniKdc.JAVA_SECURITY_KRB5_CONF, krb5.getPath());
      File serviceKeytab = keytab(kdc, dir, SERVICE, SERVICE + "/" + YarnSettings.HOST, "HTTP/" + YarnSettings.HOST);
      for (String user : USERS) {
        keytab(kdc, dir, user, user);
      }
      Tls tls = Tls.create(new File(clusterDir, "tls"), serverConfDir, clientConfDir);
      System.err.println("local cluster: KDC for realm " + REALM + " on " + YarnSettings.HOST + ":" + kdc.getPort());
      return new SecureCluster(dir, kdc, krb5, serviceKeytab, tls);
    } catch (Exception e) {
      kdc.stop();
      throw e;
    }
  }

  /** Creates {@code principals} with random keys, exported to {@code dir/<name>.keytab} (0600). */
  private static File keytab(MiniKdc kdc, File dir, String name, String... principals) throws Exception {
    File f = new File(dir, name + ".keytab");
    kdc.createPrincipal(f, principals);
    Files.setPosixFilePermissions(f.toPath(), PosixFilePermissions.fromString("rw-------"));
    return f;
  }

  /**
   * The krb5.conf of the realm, for Java and MIT clients alike: TCP only (Kerby serves no UDP), no DNS lookups or
   * reverse-DNS canonicalization (every service is {@code localhost}), forwardable renewable tickets.
   */
  private static File writeKrb5Conf(File f, int port) throws IOException {
    String kdc = YarnSettings.HOST + ":" + port;
    String text = "[libdefaults]\n"
        + "  default_realm = " + REALM + "\n"
        + "  udp_preference_limit = 1\n"
        + "  dns_lookup_kdc = false\n"
        + "  dns_lookup_realm = false\n"
        + "  dns_canonicalize_hostname = false\n"
        + "  rdns = false\n"
        + "  forwardable = true\n"
        + "  ticket_lifetime = 24h\n"
        + "  renew_lifetime = 7d\n"
        + "\n[realms]\n"
        + "  " + REALM + " = {\n    kdc = " + kdc + "\n  }\n"
        + "\n[domain_realm]\n"
        + "  " + YarnSettings.HOST + " = " + REALM + "\n";
    try (Writer w = new OutputStreamWriter(new FileOutputStream(f), StandardCharsets.UTF_8)) {
      w.write(text);
    }
    return f;
  }

  /**
   * On a secure cluster the NodeManager opens container logs (log aggregation, its log web service) through
   * {@code SecureIOUtils}, which then checks file ownership with Hadoop's native library — absent here (Maven ships
   * none) — and refuses to load without it. That class decides once, when first loaded, from whether security is
   * on: loading it before the Kerberos login makes it skip the check. The check could not tell anything apart here
   * anyway: with the DefaultContainerExecutor every container file belongs to the NodeManager's own OS user.
   */
  static void skipNativeOwnershipChecks() throws ClassNotFoundException {
    Class.forName("org.apache.hadoop.io.SecureIOUtils");
  }

  /** Logs this JVM in as the service principal: every daemon here runs as it. */
  void login(Configuration conf) throws IOException {
    UserGroupInformation.setConfiguration(conf);
    UserGroupInformation.loginUserFromKeytab(servicePrincipal(), serviceKeytab.getPath());
  }

  /** The cluster's secure settings, on the daemons' configuration. */
  void configure(Configuration conf) {
    SecureSettings.apply(conf, servicePrincipal(), spnegoPrincipal(), serviceKeytab.getPath());
  }

  /** cluster.json's {@code "kerberos"} section. */
  Map<String, Object> info() {
    Map<String, Object> users = new LinkedHashMap<>();
    for (String user : USERS) {
      users.put(user, identity(principal(user), new File(dir, user + ".keytab")));
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("krb5_conf", krb5Conf.getPath());
    m.put("realm", REALM);
    m.put("kdc", YarnSettings.HOST + ":" + kdc.getPort());
    m.put("users", users);
    // The cluster's own identity: HDFS superuser and YARN admin (what an operator, not a user, would hold).
    m.put("service", identity(servicePrincipal(), serviceKeytab));
    return m;
  }

  /** cluster.json's {@code "tls"} section. */
  Map<String, Object> tlsInfo() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("ca_pem", tls.caPem.getPath());
    m.put("truststore", tls.truststore.getPath());
    return m;
  }

  private static Map<String, Object> identity(String principal, File keytab) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("principal", principal);
    m.put("keytab", keytab.getPath());
    return m;
  }

  void stop() {
    kdc.stop();
  }
}
