package io.wharf.it;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;

/**
 * A child process for crash tests: writes files {@code f<i>} with content determined by {@code i},
 * fsyncs each file and its directory, then prints {@code SYNCED <i>}. Whatever it printed must
 * survive a crash of the node under the filesystem.
 */
public final class FileWriterMain {
    private FileWriterMain() {}

    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        int first = Integer.parseInt(args[1]);
        try (FileChannel directory = FileChannel.open(dir, StandardOpenOption.READ)) {
            for (int i = first; ; i++) {
                try (FileChannel file = FileChannel.open(dir.resolve("f" + i), StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.WRITE)) {
                    ByteBuffer data = ByteBuffer.wrap(content(i));
                    while (data.hasRemaining()) {
                        file.write(data);
                    }
                    file.force(true);
                }
                directory.force(true);
                System.out.println("SYNCED " + i);
                System.out.flush();
            }
        }
    }

    static byte[] content(int i) {
        SplittableRandom random = new SplittableRandom(i);
        byte[] data = new byte[random.nextInt(1, 192 * 1024)];
        random.nextBytes(data);
        return data;
    }
}
