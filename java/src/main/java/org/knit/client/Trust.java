package org.knit.client;

import java.io.IOException;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.permission.FsAction;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.security.UserGroupInformation;
import org.knit.spec.SpecException;

/**
 * Knit reuses, and writes secrets into, only what is the user's: a directory or file owned by someone else, or one
 * its group or others can write, could hold anything by now (size and recorded SHA-256 are forged as easily as the
 * content). Such a thing is refused, never used silently. On HDFS with ACLs the group bits are the ACL mask, so a
 * named user or group granted write shows as group-writable.
 */
final class Trust {
  private Trust() {}

  static String user() throws IOException {
    return UserGroupInformation.getCurrentUser().getShortUserName();
  }

  /**
   * Throws unless {@code st} belongs to {@code user} and neither its group nor others may write it.
   *
   * @param what what it is, for the message ("the deps dir")
   * @param remedy what the user can do about it
   * @throws SpecException naming the path, its owner or mode, and the remedy
   */
  static void requireOwn(FileStatus st, String user, String what, String remedy) {
    if (!user.equals(st.getOwner())) {
      throw new SpecException(what + " " + st.getPath() + " belongs to " + st.getOwner() + ", not to you (" + user
          + "): Knit uses only what is yours; " + remedy);
    }
    FsPermission p = st.getPermission();
    boolean group = p.getGroupAction().implies(FsAction.WRITE);
    boolean other = p.getOtherAction().implies(FsAction.WRITE);
    if (group || other) {
      throw new SpecException(what + " " + st.getPath() + " is writable by " + (group && other ? "its group and others"
          : group ? "its group" : "others") + " (mode " + p + "): anyone who can write it could have replaced what"
          + " is in it; " + remedy);
    }
  }
}
