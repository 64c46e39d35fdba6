// A master gateway's DB heartbeat against a real PostgreSQL, slowed by a row
// lock another session holds, logged by a JDBC spy: a java.lang.reflect.Proxy
// around the real pgjdbc Connection and PreparedStatement that writes every
// call the way DataDirect Spy, p6spy and log4jdbc write theirs.
//
//   java -cp /usr/share/java/postgresql.jar SpyHeartbeat.java JDBC_URL OUT_DIR CLOCK
//
// The "Master Elect Data Writer" thread updates its row of ISP_MASTER_ELECT,
// then sleeps 8 s (MasterDBRefreshInterval), like Informatica's master
// election writer. Before some of its updates a "DBA batch" session takes the
// row's lock and holds it for 3, 9, 20 and 34 s, so those updates wait that
// long, with no SQL error. A "Config Reader" thread runs a multi-line query
// now and then and once a query on a table that does not exist, for a real
// PostgreSQL error. Every duration is measured, not written: the logs' times
// are CLOCK (the case's local time, `yyyy-MM-dd HH:mm:ss.SSS`) plus the time
// elapsed since the program started.
import java.io.*;
import java.lang.reflect.*;
import java.sql.*;
import java.text.SimpleDateFormat;
import java.util.*;
import java.util.concurrent.*;

public class SpyHeartbeat {
    static final long INTERVAL_MS = 8_000;
    /** Lock hold before heartbeat number i (0 = no lock). */
    static final long[] PLAN = {0, 0, 0, 0, 0, 3_000, 9_000, 20_000, 34_000};
    static final String HEARTBEAT_SQL =
            "UPDATE ISP_MASTER_ELECT SET HEARTBEAT_TIME = ?, MASTER_NODE = ? WHERE DOMAIN_NAME = ?";
    static final String CONFIG_SQL =
            "SELECT NODE_NAME, HOST_NAME, PORT\n  FROM ISP_NODE_CONFIG\n WHERE DOMAIN_NAME = ?";

    static long started = System.nanoTime();
    static long clockMs;

    static long now() {
        return clockMs + (System.nanoTime() - started) / 1_000_000;
    }

    public static void main(String[] args) throws Exception {
        String url = args[0];
        File out = new File(args[1]);
        clockMs = new SimpleDateFormat("yyyy-MM-dd HH:mm:ss.SSS").parse(args[2]).getTime();
        out.mkdirs();
        try (Connection admin = DriverManager.getConnection(url)) {
            Statement s = admin.createStatement();
            s.execute("DROP TABLE IF EXISTS ISP_MASTER_ELECT, ISP_NODE_CONFIG");
            s.execute("CREATE TABLE ISP_MASTER_ELECT (DOMAIN_NAME varchar(64) PRIMARY KEY, MASTER_NODE varchar(64), HEARTBEAT_TIME bigint)");
            s.execute("INSERT INTO ISP_MASTER_ELECT VALUES ('Domain_Prod', 'node01', 0)");
            s.execute("CREATE TABLE ISP_NODE_CONFIG (DOMAIN_NAME varchar(64), NODE_NAME varchar(64), HOST_NAME varchar(64), PORT int)");
            s.execute("INSERT INTO ISP_NODE_CONFIG VALUES ('Domain_Prod', 'node01', 'infagw01', 6005), ('Domain_Prod', 'node02', 'infagw02', 6005), ('Domain_Prod', 'node03', 'infawk01', 6005)");
        }
        List<Sink> sinks = List.of(
                new DataDirect(new File(out, "spy.log"), true, true, false),
                new DataDirect(new File(out, "spy-timestamp.log"), true, false, false),
                new DataDirect(new File(out, "spy-tname.log"), false, true, false),
                new DataDirect(new File(out, "spy-plain.log"), false, false, false),
                new DataDirect(new File(out, "spy-javadate.log"), true, true, true),
                new P6Spy(new File(out, "p6spy.log"), url, true),
                new P6Spy(new File(out, "p6spy-nourl.log"), url, false),
                new Log4jdbc(new File(out, "log4jdbc.log")));
        Spy spy = new Spy(sinks);

        Connection heartbeatConn = spy.connection(DriverManager.getConnection(url));
        Connection readerConn = spy.connection(DriverManager.getConnection(url));
        Connection locker = DriverManager.getConnection(url);
        ExecutorService batch = Executors.newSingleThreadExecutor(r -> new Thread(r, "DBA batch"));

        Thread reader = new Thread(() -> {
            try {
                for (int i = 0; i < 6; i++) {
                    Thread.sleep(17_000);
                    String sql = i == 3 ? "SELECT * FROM ISP_NODE_STATE WHERE DOMAIN_NAME = ?" : CONFIG_SQL;
                    try (PreparedStatement ps = readerConn.prepareStatement(sql)) {
                        ps.setString(1, "Domain_Prod");
                        try (ResultSet rs = ps.executeQuery()) {
                            while (rs.next()) { }
                        }
                    } catch (SQLException expected) {
                    }
                }
            } catch (InterruptedException e) {
            }
        }, "Config Reader");
        reader.setDaemon(true);
        reader.start();

        Thread heartbeat = new Thread(() -> {
            try {
                for (long hold : PLAN) {
                    if (hold > 0) {
                        CountDownLatch locked = new CountDownLatch(1);
                        batch.submit(() -> {
                            try {
                                locker.setAutoCommit(false);
                                locker.createStatement().executeUpdate(
                                        "UPDATE ISP_MASTER_ELECT SET HEARTBEAT_TIME = HEARTBEAT_TIME WHERE DOMAIN_NAME = 'Domain_Prod'");
                                locked.countDown();
                                Thread.sleep(hold);
                                locker.commit();
                            } catch (Exception e) {
                                e.printStackTrace();
                            }
                            return null;
                        });
                        locked.await();
                    }
                    heartbeatConn.setAutoCommit(false);
                    try (PreparedStatement ps = heartbeatConn.prepareStatement(HEARTBEAT_SQL)) {
                        ps.setLong(1, now());
                        ps.setString(2, "node01");
                        ps.setString(3, "Domain_Prod");
                        ps.executeUpdate();
                    }
                    heartbeatConn.commit();
                    Thread.sleep(INTERVAL_MS);
                }
            } catch (Exception e) {
                e.printStackTrace();
            }
        }, "Master Elect Data Writer");
        heartbeat.start();
        heartbeat.join();
        batch.shutdown();
        for (Sink sink : sinks) sink.close();
        System.out.println("done");
        System.exit(0);
    }

    /** What a spy sees of one JDBC call. */
    interface Sink {
        void call(long time, String thread, String object, Method m, Object[] args);
        void ok(long time, String thread, String object, Method m, Object[] args, Object result, String resultText, long elapsedMs, String sql, int connection);
        void failed(long time, String thread, String object, Method m, Throwable error, long elapsedMs, String sql, int connection);
        void close();
    }

    /** Wraps JDBC objects in proxies that tell every sink about each call. */
    static class Spy {
        final List<Sink> sinks;
        final Map<String, Integer> counters = new HashMap<>();

        Spy(List<Sink> sinks) {
            this.sinks = sinks;
        }

        synchronized String label(String kind) {
            int n = counters.merge(kind, 1, Integer::sum);
            return kind + "[" + n + "]";
        }

        Connection connection(Connection real) {
            String label = label("Connection");
            int number = counters.get("Connection");
            return (Connection) wrap(real, Connection.class, label, number, null);
        }

        Object wrap(Object real, Class<?> iface, String label, int connection, String sql) {
            return Proxy.newProxyInstance(iface.getClassLoader(), new Class<?>[] {iface},
                    (proxy, m, args) -> invoke(real, label, connection, sql, m, args));
        }

        Object invoke(Object real, String label, int connection, String sql, Method m, Object[] args) throws Throwable {
            String thread = Thread.currentThread().getName();
            long start = now();
            synchronized (this) {
                for (Sink s : sinks) s.call(start, thread, label, m, args);
            }
            Object result;
            try {
                result = m.invoke(real, args);
            } catch (InvocationTargetException e) {
                long end = now();
                synchronized (this) {
                    for (Sink s : sinks) s.failed(end, thread, label, m, e.getCause(), end - start, sqlOf(sql, m, args), connection);
                }
                throw e.getCause();
            }
            Object shown = result;
            String text;
            if (result instanceof PreparedStatement) {
                String childSql = (String) args[0];
                String child = label("PreparedStatement");
                shown = wrap(result, PreparedStatement.class, child, connection, childSql);
                text = child;
            } else if (result instanceof ResultSet) {
                String child = label("ResultSet");
                shown = wrap(result, ResultSet.class, child, connection, null);
                text = child;
            } else {
                text = result == null ? null : String.valueOf(result);
            }
            long end = now();
            synchronized (this) {
                for (Sink s : sinks) s.ok(end, thread, label, m, args, result, text, end - start, sqlOf(sql, m, args), connection);
            }
            return shown;
        }

        static String sqlOf(String sql, Method m, Object[] args) {
            if (sql == null && args != null && args.length > 0 && args[0] instanceof String && m.getName().startsWith("prepare")) {
                return (String) args[0];
            }
            return sql;
        }
    }

    static boolean isExecute(Method m) {
        return m.getName().startsWith("execute");
    }

    /** The parameter names DataDirect Spy prints, for the calls this program makes. */
    static String[] names(Method m) {
        switch (m.getName()) {
            case "prepareStatement":
            case "executeQuery":
            case "executeUpdate":
            case "execute":
                return new String[] {"sql"};
            case "setString":
            case "setLong":
            case "setInt":
                return new String[] {"parameterIndex", "x"};
            case "setAutoCommit":
                return new String[] {"autoCommit"};
            default:
                String[] n = new String[m.getParameterCount()];
                for (int i = 0; i < n.length; i++) n[i] = "arg" + i;
                return n;
        }
    }

    static String signature(Method m) {
        StringJoiner j = new StringJoiner(", ", m.getName() + "(", ")");
        String[] n = names(m);
        Class<?>[] types = m.getParameterTypes();
        for (int i = 0; i < types.length; i++) j.add(types[i].getSimpleName() + " " + n[i]);
        return j.toString();
    }

    /**
     * DataDirect Spy's layout, as the vendor's "DataDirect Spy Log Example"
     * shows it: `spy>> Object[N].method(Type name)`, one `spy>> name = value`
     * line per argument, then `spy>> OK (result)`, or `spy>> OK` alone for a
     * void call. The prefixes timestamp=yes and logTName=yes add are not in
     * the public docs: here `spy(TIME)(THREAD)>> `, TIME as
     * `yyyy-MM-dd HH:mm:ss.SSS` or, with javaDate, as java.util.Date prints
     * it (an inferred layout). An exception is written `spy>> *** ` and the
     * exception's toString (inferred too).
     */
    static class DataDirect implements Sink {
        final PrintWriter w;
        final boolean timestamp, threadName;
        final SimpleDateFormat format;

        DataDirect(File f, boolean timestamp, boolean threadName, boolean javaDate) {
            try {
                w = new PrintWriter(new FileWriter(f));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            this.timestamp = timestamp;
            this.threadName = threadName;
            format = new SimpleDateFormat(javaDate ? "EEE MMM dd HH:mm:ss zzz yyyy" : "yyyy-MM-dd HH:mm:ss.SSS", Locale.ROOT);
        }

        String prefix(long time, String thread) {
            StringBuilder b = new StringBuilder("spy");
            if (timestamp) b.append('(').append(format.format(new java.util.Date(time))).append(')');
            if (threadName) b.append('(').append(thread).append(')');
            return b.append(">> ").toString();
        }

        public void call(long time, String thread, String object, Method m, Object[] args) {
            String p = prefix(time, thread);
            w.println(p + object + "." + signature(m));
            String[] n = names(m);
            for (int i = 0; args != null && i < args.length; i++) w.println(p + n[i] + " = " + args[i]);
            w.flush();
        }

        public void ok(long time, String thread, String object, Method m, Object[] args, Object result, String text, long elapsed, String sql, int connection) {
            String p = prefix(time, thread);
            w.println(text == null ? p + "OK" : p + "OK (" + text + ")");
            w.flush();
        }

        public void failed(long time, String thread, String object, Method m, Throwable error, long elapsed, String sql, int connection) {
            w.println(prefix(time, thread) + "*** " + error);
            w.flush();
        }

        public void close() {
            w.close();
        }
    }

    /** Binds the `?` of a statement with its last set values, as p6spy and log4jdbc print the SQL run. */
    static final Map<String, Map<Integer, Object>> bound = new HashMap<>();

    static void remember(String object, Method m, Object[] args) {
        if (m.getName().startsWith("set") && args != null && args.length == 2 && args[0] instanceof Integer) {
            bound.computeIfAbsent(object, k -> new TreeMap<>()).put((Integer) args[0], args[1]);
        }
    }

    static String filled(String sql, String object) {
        Map<Integer, Object> values = bound.getOrDefault(object, Map.of());
        StringBuilder b = new StringBuilder();
        int n = 0;
        for (char c : sql.toCharArray()) {
            if (c == '?') {
                Object v = values.get(++n);
                b.append(v instanceof String ? "'" + v + "'" : String.valueOf(v));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /**
     * p6spy's default SingleLineFormat: now|elapsed|category|connection N|url U|prepared|sql
     * (p6spy 3), or without the url field (older p6spy); `now` in epoch
     * milliseconds, written when the statement ends. SQL on one line.
     */
    static class P6Spy implements Sink {
        final PrintWriter w;
        final String url;
        final boolean withUrl;

        P6Spy(File f, String url, boolean withUrl) {
            try {
                w = new PrintWriter(new FileWriter(f));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            this.url = url;
            this.withUrl = withUrl;
        }

        public void call(long time, String thread, String object, Method m, Object[] args) {
            remember(object, m, args);
        }

        void line(long time, long elapsed, String category, int connection, String prepared, String sql) {
            String u = withUrl ? "|url " + url : "";
            w.println(time + "|" + elapsed + "|" + category + "|connection " + connection + u + "|"
                    + prepared.replace('\n', ' ') + "|" + sql.replace('\n', ' '));
            w.flush();
        }

        public void ok(long time, String thread, String object, Method m, Object[] args, Object result, String text, long elapsed, String sql, int connection) {
            if (isExecute(m) && sql != null) line(time, elapsed, "statement", connection, sql, filled(sql, object));
            if (m.getName().equals("commit")) line(time, elapsed, "commit", connection, "", "");
        }

        public void failed(long time, String thread, String object, Method m, Throwable error, long elapsed, String sql, int connection) {
            if (isExecute(m) && sql != null) line(time, elapsed, "error", connection, sql, filled(sql, object));
        }

        public void close() {
            w.close();
        }
    }

    /**
     * log4jdbc's jdbc.sqltiming logger through a log4j/logback pattern
     * `%d{yyyy-MM-dd HH:mm:ss,SSS} %-5p [%t] %c - %m%n`: `N. SQL {executed in
     * T msec}` at INFO, `N. SQL {FAILED after T msec}` at ERROR with the
     * exception below; the SQL keeps its line breaks.
     */
    static class Log4jdbc implements Sink {
        final PrintWriter w;
        final SimpleDateFormat format = new SimpleDateFormat("yyyy-MM-dd HH:mm:ss,SSS");

        Log4jdbc(File f) {
            try {
                w = new PrintWriter(new FileWriter(f));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        public void call(long time, String thread, String object, Method m, Object[] args) {
            remember(object, m, args);
        }

        public void ok(long time, String thread, String object, Method m, Object[] args, Object result, String text, long elapsed, String sql, int connection) {
            if (!isExecute(m) || sql == null) return;
            w.println(format.format(new java.util.Date(time)) + " INFO  [" + thread + "] jdbc.sqltiming - "
                    + connection + ". " + filled(sql, object) + " {executed in " + elapsed + " msec}");
            w.flush();
        }

        public void failed(long time, String thread, String object, Method m, Throwable error, long elapsed, String sql, int connection) {
            if (!isExecute(m) || sql == null) return;
            w.println(format.format(new java.util.Date(time)) + " ERROR [" + thread + "] jdbc.sqltiming - "
                    + connection + ". " + filled(sql, object) + " {FAILED after " + elapsed + " msec}");
            w.println(error);
            for (StackTraceElement e : error.getStackTrace()) w.println("\tat " + e);
            w.flush();
        }

        public void close() {
            w.close();
        }
    }
}
