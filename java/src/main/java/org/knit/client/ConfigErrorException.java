package org.knit.client;

import java.io.IOException;

/**
 * The Hadoop configuration points somewhere unusable: the ResourceManager or NameNode cannot be reached, a
 * directory cannot be created. The message names the address and where it came from. Python maps it to
 * {@code ConfigError} (the class name contains "ConfigError").
 */
public class ConfigErrorException extends IOException {
  private static final long serialVersionUID = 1L;

  public ConfigErrorException(String message, Throwable cause) {
    super(message, cause);
  }
}
