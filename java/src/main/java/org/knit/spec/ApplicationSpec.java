package org.knit.spec;

import com.google.gson.JsonElement;
import com.google.gson.annotations.SerializedName;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The application spec: one JSON document written by Python or either command line, resolved by the client, read
 * by the ApplicationMaster. The contract is spec/schema.json (knit/shared/{@value Schema#FILE}, in knit.jar through
 * SharedFiles): every document is checked against it before it becomes an object, so unknown fields, wrong types
 * and bad values are refused exactly as Python refuses them, naming the same field. This class and its parts
 * mirror the schema's objects field for field (ApplicationSpecFieldsTest compares them).
 */
public final class ApplicationSpec {
  public static final int VERSION = 1;

  public int version = VERSION;
  public String name = "knit";
  public String queue = "default";
  public List<String> tags = new ArrayList<>();
  @SerializedName("application_type")
  public String applicationType = "KNIT";
  @SerializedName("max_attempts")
  public int maxAttempts = 1;
  public Master master = new Master();
  public String command;
  public Containers containers = new Containers();
  @SerializedName("max_restarts")
  public int maxRestarts = 0;
  public String lang = "C.UTF-8";
  public Map<String, String> envvars = new LinkedHashMap<>();
  public List<FileResource> files = new ArrayList<>();
  public EnvResource env;
  public Staging staging = new Staging();
  public boolean detached = false;
  /** Run until killed or shut down, even when every container has ended (services whose workers come and go). */
  @SerializedName("keep_alive")
  public boolean keepAlive = false;
  /**
   * With keep_alive: end the application after this many seconds with no container alive and no call from a
   * client (its client died without killing it); 0 means never.
   */
  @SerializedName("idle_timeout")
  public int idleTimeout = 0;
  /**
   * Names of containers whose own end ends the application, with their outcome: SUCCEEDED if such a container
   * exits 0, else FAILED with its diagnostics (a service's scheduler, a driver script).
   */
  @SerializedName("finish_with")
  public List<String> finishWith;
  public Map<String, String> conf = new LinkedHashMap<>();

  /**
   * Parses and checks a spec document against the schema; fields left out take their defaults.
   *
   * @throws SpecException when it is not JSON or the schema refuses it
   */
  public static ApplicationSpec fromJson(String json) {
    return fromTree(SpecJson.parse(json));
  }

  /** {@link #fromJson} for a document already parsed. */
  public static ApplicationSpec fromTree(JsonElement tree) {
    Schema.spec().check(tree, "#", "");
    return SpecJson.GSON.fromJson(tree, ApplicationSpec.class);
  }

  /** The spec as the contract's JSON: resolved fields left out until set, {@code env: null} when there is none. */
  public JsonElement toTree() {
    return Schema.spec().omitNulls(SpecJson.GSON.toJsonTree(this), "#");
  }

  public String toJson() {
    return SpecJson.compact(toTree());
  }

  /**
   * Checks every field against the schema, then the rules between fields.
   *
   * @return this spec
   * @throws SpecException on the first problem found, naming the field
   */
  public ApplicationSpec validate() {
    Schema.spec().check(toTree(), "#", "");
    checkLinkNames();
    checkContainerNames();
    return this;
  }

  /** Container names: none, or one per container of the initial request, each once. */
  private void checkContainerNames() {
    if (containers.names == null || containers.names.isEmpty()) {
      return;
    }
    if (containers.names.size() != containers.count) {
      throw new SpecException("containers.names", "containers.names must name all " + containers.count
          + " containers, got " + containers.names.size());
    }
    Containers.checkNames(containers.names, "containers.names");
  }

  /** Every file and the env appear in the container's working directory by name: one name each. */
  private void checkLinkNames() {
    Map<String, String> seen = new HashMap<>();
    for (int i = 0; i < files.size(); i++) {
      FileResource f = files.get(i);
      if (seen.containsKey(f.name)) {
        throw new SpecException("files[" + i + "].name", "files: two files would both appear as '" + f.name
            + "' in the container (" + seen.get(f.name) + " and " + f.source + "); rename one");
      }
      seen.put(f.name, f.source);
    }
    if (env != null && seen.containsKey(env.name)) {
      throw new SpecException("env.name", "env: its link name '" + env.name + "' is also the name of the file "
          + seen.get(env.name) + "; rename one");
    }
  }

  /** Whether the end of a container named {@code name} ends the application ({@code finish_with}). */
  public boolean finishesWith(String name) {
    return name != null && finishWith != null && finishWith.contains(name);
  }

  /** Every resource (files, then the env), for staging and localization. */
  public List<Localized> resources() {
    List<Localized> all = new ArrayList<>(files);
    if (env != null) {
      all.add(env);
    }
    return all;
  }
}
