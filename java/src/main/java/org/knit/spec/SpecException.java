package org.knit.spec;

/**
 * An application request that cannot be valid. Raised before anything is uploaded or submitted.
 *
 * <p>It is an {@link IllegalArgumentException} so the Python side maps it to {@code SpecError}. {@link #field()}
 * is the spec path at fault ({@code containers.memory}, {@code files[0].name}) as spec/schema.json names it, or
 * null for a problem that is not one field's.
 */
public class SpecException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String field;

  public SpecException(String message) {
    this(null, message);
  }

  public SpecException(String field, String message) {
    super(message);
    this.field = field;
  }

  /** The spec path of the field at fault, or null. */
  public String field() {
    return field;
  }
}
