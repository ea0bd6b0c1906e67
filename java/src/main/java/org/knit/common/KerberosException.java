package org.knit.common;

/**
 * A Kerberos credential problem the user can fix: no ticket and no keytab, a keytab that cannot log in, delegation
 * tokens past their lifetime. Its message says what to do; Python raises it as {@code knit.KerberosError}.
 */
public class KerberosException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  public KerberosException(String message) {
    super(message);
  }

  public KerberosException(String message, Throwable cause) {
    super(message, cause);
  }
}
