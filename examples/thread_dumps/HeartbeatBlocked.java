// Makes a JVM whose heartbeat thread is stuck behind a lock held by a thread
// waiting in a socket read, so that `jstack` can dump it (see make-dumps.sh).
//
//   java HeartbeatBlocked.java db    the holder reads from a silent "database"
//                                    through a class in a *.jdbc package
//   java HeartbeatBlocked.java peer  the holder waits for the master gateway's
//                                    reply; the lock is a ReentrantLock, whose
//                                    owner only `jstack -l` shows
//
// The "database" and the "master gateway" are local server sockets that
// accept and never answer: the read blocks exactly as it does when the real
// peer stops answering.
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.locks.ReentrantLock;

public class HeartbeatBlocked {
    static final Object domainState = new Object();
    static final ReentrantLock gatewayLock = new ReentrantLock();
    static final CountDownLatch holding = new CountDownLatch(1);

    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "db";
        ServerSocket silent = new ServerSocket(0);
        List<Socket> accepted = new ArrayList<>();
        Thread acceptor = new Thread(() -> {
            try {
                while (true) {
                    // kept referenced: a collected socket closes, and the read returns
                    accepted.add(silent.accept());
                }
            } catch (Exception e) {
                // the JVM is killed by make-dumps.sh
            }
        }, "Silent Peer Acceptor");
        acceptor.setDaemon(true);
        acceptor.start();

        Runnable holder = mode.equals("peer")
                ? () -> GatewayClient.awaitReply(silent.getLocalPort())
                : () -> jdbc.SpyStatement.executeUpdate(silent.getLocalPort());
        String holderName = mode.equals("peer") ? "Master Gateway Connection" : "Master Elect Data Writer";
        new Thread(holder, holderName).start();
        holding.await();

        Thread heartbeat = new Thread(() -> NodeHeartbeat.send(mode), "Node Heartbeat Sender");
        heartbeat.start();
        new Thread(NodeHeartbeat::idleWorker, "pool-3-thread-1").start();
        System.out.println("ready " + ProcessHandle.current().pid());
        heartbeat.join();
    }

    static class NodeHeartbeat {
        static void send(String mode) {
            while (true) {
                if (mode.equals("peer")) {
                    gatewayLock.lock();
                    try {
                        writeHeartbeat();
                    } finally {
                        gatewayLock.unlock();
                    }
                } else {
                    synchronized (domainState) {
                        writeHeartbeat();
                    }
                }
            }
        }

        static void writeHeartbeat() {
            Thread.onSpinWait();
        }

        static void idleWorker() {
            try {
                Thread.sleep(Long.MAX_VALUE);
            } catch (InterruptedException e) {
                // never
            }
        }
    }

    static class GatewayClient {
        static void awaitReply(int port) {
            gatewayLock.lock();
            try (Socket socket = new Socket("127.0.0.1", port)) {
                holding.countDown();
                readReply(socket.getInputStream());
            } catch (Exception e) {
                throw new RuntimeException(e);
            } finally {
                gatewayLock.unlock();
            }
        }

        static void readReply(InputStream in) throws Exception {
            if (in.read() < 0) {
                throw new IllegalStateException("the silent gateway closed the connection");
            }
        }
    }

    static class jdbc {
        static class SpyStatement {
            static void executeUpdate(int port) {
                synchronized (domainState) {
                    try (Socket socket = new Socket("127.0.0.1", port)) {
                        holding.countDown();
                        readResponse(socket.getInputStream());
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                }
            }

            static void readResponse(InputStream in) throws Exception {
                if (in.read() < 0) {
                    throw new IllegalStateException("the silent database closed the connection");
                }
            }
        }
    }
}
