package org.knit.client;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertNotEquals;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.After;
import org.junit.Rule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

/** The cross-process memo: believed for an unchanged file in a private dir, never for a changed one. */
public class Sha256MemoTest {
  private static final String FAKE = "ab" + new String(new char[62]).replace('\0', 'c');

  @Rule
  public TemporaryFolder tmp = new TemporaryFolder();

  @After
  public void clear() {
    System.clearProperty(Sha256.MEMO_PROPERTY);
    Sha256.forgetInProcess();
  }

  /** Hashes {@code f} once with the memo in {@code memo}, then replaces every memo entry by {@link #FAKE}. */
  private static String hashThenForge(File f, Path memo) throws Exception {
    System.setProperty(Sha256.MEMO_PROPERTY, memo.toString());
    String real = Sha256.of(f);
    try (java.util.stream.Stream<Path> entries = Files.list(memo)) {
      for (Path e : (Iterable<Path>) entries::iterator) {
        Files.write(e, FAKE.getBytes(StandardCharsets.US_ASCII));
      }
    }
    Sha256.forgetInProcess();
    return real;
  }

  private File envFile() throws Exception {
    File f = tmp.newFile("env.zip");
    Files.write(f.toPath(), "content".getBytes(StandardCharsets.UTF_8));
    return f;
  }

  @Test
  public void aNewProcessTrustsTheMemoForAnUnchangedFile() throws Exception {
    File f = envFile();
    Path memo = tmp.getRoot().toPath().resolve("memo");
    String real = hashThenForge(f, memo);
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(memo)));
    // The forged entry is what is read: proof that the memo, not a re-hash, answered.
    assertEquals(FAKE, Sha256.of(f));
    Sha256.forgetInProcess();
    Files.write(f.toPath(), "changed".getBytes(StandardCharsets.UTF_8));
    Files.setLastModifiedTime(f.toPath(), java.nio.file.attribute.FileTime.fromMillis(1_000_000));
    assertNotEquals("a changed file is hashed again", FAKE, Sha256.of(f));
    assertNotEquals(real, Sha256.of(f));
  }

  @Test
  public void aMemoOthersMayWriteIsIgnored() throws Exception {
    Path memo = tmp.getRoot().toPath().resolve("memo");
    File f = envFile();
    String real = hashThenForge(f, memo);
    Files.setPosixFilePermissions(memo, PosixFilePermissions.fromString("rwxrwxrwx"));
    assertEquals(real, Sha256.of(f));
  }
}
