package org.knit.localcluster;

import org.apache.hadoop.conf.Configuration;

/**
 * The secure cluster's Hadoop settings. Server side they all go on the daemons' configuration; {@link #client}
 * picks what a client's site files need (principals to expect, protection levels, HTTPS), never a keytab.
 */
final class SecureSettings {

  /** Service ACLs (hadoop-policy.xml) open to every authenticated user: client-facing protocols, token-based ones. */
  private static final String[] OPEN_PROTOCOLS = {
      "security.client.protocol.acl",                       // HDFS ClientProtocol
      "security.client.datanode.protocol.acl",
      "security.get.user.mappings.protocol.acl",
      "security.applicationclient.protocol.acl",            // YARN clients
      "security.applicationmaster.protocol.acl",            // AMs (user: the attempt, by AMRM token)
      "security.containermanagement.protocol.acl",          // AMs to NodeManagers (NM tokens)
      "security.resourcelocalizer.protocol.acl",            // localizers (the application's user, by token)
      "security.applicationhistory.protocol.acl",
      "security.collector-nodemanager.protocol.acl",
      "security.distributedscheduling.protocol.acl",
      "security.applicationmaster-nodemanager.applicationmaster.protocol.acl",
  };

  private SecureSettings() {
  }

  static void apply(Configuration conf, String service, String spnego, String keytab) {
    String serviceUser = SecureCluster.SERVICE;
    conf.set("hadoop.security.authentication", "kerberos");
    conf.setBoolean("hadoop.security.authorization", true);
    conf.set("hadoop.rpc.protection", "privacy");
    conf.set("hadoop.security.auth_to_local", authToLocal());
    // alice and bob have no OS accounts here: their groups come from the configuration, not `id`.
    conf.set("hadoop.user.group.static.mapping.overrides",
        "dr.who=;" + serviceUser + "=supergroup;alice=alice,users;bob=bob,users");
    conf.set("hadoop.proxyuser." + serviceUser + ".hosts", "*");
    conf.set("hadoop.proxyuser." + serviceUser + ".groups", "*");
    // Deny by default; open only what users and tokens need; daemon-to-daemon and admin protocols: the service.
    conf.set("security.service.authorization.default.acl", serviceUser);
    for (String acl : OPEN_PROTOCOLS) {
      conf.set(acl, "*");
    }
    spnego(conf, spnego, keytab);
    hdfs(conf, service, spnego, keytab);
    yarn(conf, service, spnego, keytab, serviceUser);
  }

  /** alice@KNIT.TEST -> alice, knit/localhost@KNIT.TEST -> knit; other realms by Hadoop's DEFAULT rule. */
  static String authToLocal() {
    String realm = SecureCluster.REALM.replace(".", "\\.");
    return "RULE:[1:$1@$0](.*@" + realm + ")s/@.*//\n"
        + "RULE:[2:$1@$0](.*@" + realm + ")s/@.*//\n"
        + "DEFAULT";
  }

  /** SPNEGO on every HttpServer2 (NameNode, DataNode, RM, NodeManagers): no anonymous access. */
  private static void spnego(Configuration conf, String spnego, String keytab) {
    conf.set("hadoop.http.filter.initializers", "org.apache.hadoop.security.AuthenticationFilterInitializer");
    conf.set("hadoop.http.authentication.type", "kerberos");
    conf.setBoolean("hadoop.http.authentication.simple.anonymous.allowed", false);
    conf.set("hadoop.http.authentication.kerberos.principal", spnego);
    conf.set("hadoop.http.authentication.kerberos.keytab", keytab);
    conf.set("hadoop.ssl.server.conf", "ssl-server.xml");
    conf.set("hadoop.ssl.client.conf", "ssl-client.xml");
    conf.setBoolean("hadoop.ssl.require.client.cert", false);
  }

  /**
   * Kerberos for the NameNode and DataNode, block access tokens, SASL data transfer with privacy. A DataNode on
   * unprivileged ports is only allowed SASL with HTTPS only (DataNode#checkSecureConfig).
   */
  private static void hdfs(Configuration conf, String service, String spnego, String keytab) {
    conf.set("dfs.namenode.kerberos.principal", service);
    conf.set("dfs.namenode.keytab.file", keytab);
    conf.set("dfs.datanode.kerberos.principal", service);
    conf.set("dfs.datanode.keytab.file", keytab);
    conf.set("dfs.web.authentication.kerberos.principal", spnego);
    conf.set("dfs.web.authentication.kerberos.keytab", keytab);
    conf.set("dfs.namenode.kerberos.internal.spnego.principal", spnego);
    conf.setBoolean("dfs.block.access.token.enable", true);
    conf.set("dfs.data.transfer.protection", "privacy");
    conf.set("dfs.http.policy", "HTTPS_ONLY");
    conf.set("dfs.namenode.https-address", YarnSettings.HOST + ":0");
    conf.set("dfs.datanode.https.address", YarnSettings.HOST + ":0");
    conf.set("dfs.client.https.keystore.resource", "ssl-client.xml");
    conf.set("dfs.https.server.keystore.resource", "ssl-server.xml");
  }

  /** Kerberos for the RM and NodeManagers, SPNEGO on their web apps, ACLs on (the service is the admin). */
  private static void yarn(Configuration conf, String service, String spnego, String keytab, String admin) {
    conf.set("yarn.resourcemanager.principal", service);
    conf.set("yarn.resourcemanager.keytab", keytab);
    conf.set("yarn.nodemanager.principal", service);
    conf.set("yarn.nodemanager.keytab", keytab);
    conf.set("yarn.resourcemanager.webapp.spnego-principal", spnego);
    conf.set("yarn.resourcemanager.webapp.spnego-keytab-file", keytab);
    conf.set("yarn.nodemanager.webapp.spnego-principal", spnego);
    conf.set("yarn.nodemanager.webapp.spnego-keytab-file", keytab);
    conf.setBoolean("yarn.acl.enable", true);
    conf.set("yarn.admin.acl", admin);
  }

  /**
   * What a client's site files need from {@code server}: authentication and protection, the principals to expect,
   * HTTPS and the truststore, ACLs on. No keytab path.
   */
  static Configuration client(Configuration server, String file) {
    Configuration c = new Configuration(false);
    String[] keys = file.equals("core")
        ? new String[] {"hadoop.security.authentication", "hadoop.security.authorization", "hadoop.rpc.protection",
            "hadoop.security.auth_to_local", "hadoop.ssl.client.conf", "hadoop.ssl.require.client.cert"}
        : new String[] {"dfs.namenode.kerberos.principal", "dfs.datanode.kerberos.principal",
            "dfs.web.authentication.kerberos.principal", "dfs.block.access.token.enable",
            "dfs.data.transfer.protection", "dfs.http.policy", "dfs.client.https.keystore.resource"};
    for (String k : keys) {
      c.set(k, server.get(k));
    }
    return c;
  }
}
