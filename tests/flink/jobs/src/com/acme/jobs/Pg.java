package com.acme.jobs;

import java.io.File;
import java.net.URL;
import java.net.URLClassLoader;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.DriverPropertyInfo;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.Properties;
import java.util.logging.Logger;

/**
 * JDBC for the database jobs: the driver jar (Debian's postgresql.jar or mariadb-java-client.jar,
 * the class chosen by the URL's scheme) is not in the job's jar; its path is a program argument and
 * it is loaded at run time into a class loader of its own. DriverManager only hands out drivers
 * visible to the caller's class loader, so it is registered through a shim class of the job.
 */
public final class Pg {
    private static Driver registered;

    private Pg() {}

    /** Connects through DriverManager, registering the driver from driverJar once per class loader. */
    public static Connection connect(String driverJar, String url, String user, String password) throws Exception {
        synchronized (Pg.class) {
            if (registered == null) {
                URLClassLoader loader = new URLClassLoader(new URL[] {new File(driverJar).toURI().toURL()}, Pg.class.getClassLoader());
                Driver driver = (Driver) Class.forName(driverClass(url), true, loader).getDeclaredConstructor().newInstance();
                registered = new Shim(driver);
                DriverManager.registerDriver(registered);
            }
        }
        return DriverManager.getConnection(url, user, password);
    }

    /** Unregisters the driver (the job's class loader goes away with the job). */
    public static void release() {
        synchronized (Pg.class) {
            if (registered != null) {
                try {
                    DriverManager.deregisterDriver(registered);
                } catch (SQLException ignored) {
                    // already gone
                }
                registered = null;
            }
        }
    }

    static final class Shim implements Driver {
        private final Driver driver;

        Shim(Driver driver) {
            this.driver = driver;
        }

        @Override
        public Connection connect(String url, Properties info) throws SQLException {
            return driver.connect(url, info);
        }

        @Override
        public boolean acceptsURL(String url) throws SQLException {
            return driver.acceptsURL(url);
        }

        @Override
        public DriverPropertyInfo[] getPropertyInfo(String url, Properties info) throws SQLException {
            return driver.getPropertyInfo(url, info);
        }

        @Override
        public int getMajorVersion() {
            return driver.getMajorVersion();
        }

        @Override
        public int getMinorVersion() {
            return driver.getMinorVersion();
        }

        @Override
        public boolean jdbcCompliant() {
            return driver.jdbcCompliant();
        }

        @Override
        public Logger getParentLogger() throws SQLFeatureNotSupportedException {
            return driver.getParentLogger();
        }
    }

    /** The driver class for a JDBC URL: MariaDB's for jdbc:mariadb:, else PostgreSQL's. */
    static String driverClass(String url) {
        return url.startsWith("jdbc:mariadb:") ? "org.mariadb.jdbc.Driver" : "org.postgresql.Driver";
    }
}
