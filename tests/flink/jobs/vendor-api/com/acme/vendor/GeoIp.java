package com.acme.vendor;

/** Compile-time API of a vendor library; never packaged into jobs.jar (see MissingDependency). */
public class GeoIp {
    public static String country(String ip) {
        return "NL";
    }
}
