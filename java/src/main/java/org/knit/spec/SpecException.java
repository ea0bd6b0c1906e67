package org.knit.spec;

/**
 * An application request that cannot be valid. Raised before anything is uploaded or submitted.
 *
 * <p>It is an {@link IllegalArgumentException} so the Python side maps it to {@code SpecError}.
 */
public class SpecException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public SpecException(String message) {
    super(message);
  }
}
