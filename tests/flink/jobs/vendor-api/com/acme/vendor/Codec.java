package com.acme.vendor;

/** Version 1 of a vendor codec: the jobs compile against it (see ConflictingDependency). */
public class Codec {
    public static String decode(String s) {
        return s;
    }
}
