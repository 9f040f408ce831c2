package com.acme.vendor;

import java.nio.charset.Charset;

/** Version 2 of the vendor codec, the one packaged into jobs.jar: decode(String) is gone. */
public class Codec {
    public static String decode(String s, Charset charset) {
        return new String(s.getBytes(charset), charset);
    }
}
