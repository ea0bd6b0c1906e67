package org.knit.spec;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import com.google.gson.annotations.SerializedName;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The application spec (ARCHITECTURE.md, "Application spec"): one JSON document written by Python or the CLI,
 * resolved by the client, read by the ApplicationMaster.
 */
public final class ApplicationSpec {
  public static final int VERSION = 1;
  public static final String DEFAULT_TYPE = "KNIT";

  private static final Gson GSON = new GsonBuilder().serializeNulls().disableHtmlEscaping().create();

  public int version = VERSION;
  public String name = "knit";
  public String queue = "default";
  public List<String> tags = new ArrayList<>();
  @SerializedName("application_type")
  public String applicationType = DEFAULT_TYPE;
  /** ApplicationMaster attempts: 2, so a lost AM node or a crashed AM is survived (work-preserving restart). */
  @SerializedName("max_attempts")
  public int maxAttempts = 2;
  public Resources master = new Resources(1, 256, 1);
  public String command;
  public Resources containers = new Resources(1, 128, 1);
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
  public Map<String, String> conf = new LinkedHashMap<>();

  /** Parses a spec; fields left out take their defaults. Does not validate. */
  public static ApplicationSpec fromJson(String json) {
    if (json == null || json.trim().isEmpty()) {
      throw new SpecException("the application spec is empty");
    }
    ApplicationSpec spec;
    try {
      spec = GSON.fromJson(json, ApplicationSpec.class);
    } catch (JsonParseException | NumberFormatException e) {
      throw new SpecException("the application spec is not valid JSON of the expected shape: " + e.getMessage());
    }
    if (spec == null) {
      throw new SpecException("the application spec is empty");
    }
    spec.fillDefaults();
    return spec;
  }

  public String toJson() {
    return GSON.toJson(this);
  }

  /** JSON null for a field means "the default", as if it were left out. */
  private void fillDefaults() {
    if (tags == null) tags = new ArrayList<>();
    if (applicationType == null) applicationType = DEFAULT_TYPE;
    if (master == null) master = new Resources(1, 256, 1);
    if (containers == null) containers = new Resources(1, 128, 1);
    if (lang == null) lang = "C.UTF-8";
    if (envvars == null) envvars = new LinkedHashMap<>();
    if (files == null) files = new ArrayList<>();
    if (staging == null) staging = new Staging();
    if (conf == null) conf = new LinkedHashMap<>();
  }

  /**
   * Checks everything that can be checked without a cluster; each problem gets its own message naming the field.
   *
   * @return this spec
   * @throws SpecException on the first problem found
   */
  public ApplicationSpec validate() {
    if (version != VERSION) {
      throw new SpecException("unsupported spec version " + version + " (this knit.jar reads version " + VERSION + ")");
    }
    requireText(name, "name");
    requireText(queue, "queue");
    requireText(applicationType, "application_type");
    requireText(lang, "lang");
    if (command == null || command.trim().isEmpty()) {
      throw new SpecException("command must be a non-empty shell command");
    }
    if (maxAttempts < 1) {
      throw new SpecException("max_attempts must be at least 1, got " + maxAttempts);
    }
    if (idleTimeout < 0) {
      throw new SpecException("idle_timeout must be 0 (never) or a number of seconds, got " + idleTimeout);
    }
    if (maxRestarts < 0) {
      throw new SpecException("max_restarts must be 0 or more, got " + maxRestarts);
    }
    master.validate("master", false);
    containers.validate("containers", true);
    for (String tag : tags) {
      requireText(tag, "tags[]");
    }
    validateEnvvars();
    validateResources();
    staging.validate();
    for (Map.Entry<String, String> e : conf.entrySet()) {
      if (e.getKey() == null || e.getKey().isEmpty() || e.getValue() == null) {
        throw new SpecException("conf entries must map a property name to a string value, got " + e);
      }
    }
    return this;
  }

  private void validateEnvvars() {
    for (Map.Entry<String, String> e : envvars.entrySet()) {
      String key = e.getKey();
      if (key == null || !key.matches("[A-Za-z_][A-Za-z0-9_]*")) {
        throw new SpecException("envvars: '" + key + "' is not a valid environment variable name");
      }
      if (e.getValue() == null) {
        throw new SpecException("envvars: the value of " + key + " must be a string, got null");
      }
    }
  }

  private void validateResources() {
    Set<String> names = new HashSet<>();
    for (int i = 0; i < files.size(); i++) {
      FileResource f = files.get(i);
      if (f == null) {
        throw new SpecException("files[" + i + "] is null");
      }
      f.validate("files[" + i + "]");
      if (!names.add(f.name)) {
        throw new SpecException("files: two files are named '" + f.name + "' in the containers' working directory");
      }
    }
    if (env != null) {
      env.validate("env");
      if (!names.add(env.name)) {
        throw new SpecException("env.name '" + env.name + "' is also the name of one of the files");
      }
    }
  }

  /** Every resource (files, then the env), for staging and localization. */
  public List<FileResource> resources() {
    List<FileResource> all = new ArrayList<>(files);
    if (env != null) {
      all.add(env);
    }
    return all;
  }

  private static void requireText(String value, String field) {
    if (value == null || value.trim().isEmpty()) {
      throw new SpecException(field + " must be a non-empty string");
    }
  }
}
