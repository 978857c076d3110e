package io.mkcnn.bn;

import java.io.Serializable;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/** {@link ChannelMoments} for every BN layer of a network, keyed by layer name; merged with {@link #merge}. */
public final class BnMoments implements Serializable {
    private final TreeMap<String, ChannelMoments> layers = new TreeMap<>();

    /** The accumulator of a layer, created on first use. */
    public ChannelMoments layer(String name, int channels) {
        return layers.computeIfAbsent(name, n -> new ChannelMoments(channels));
    }

    /** Adds another set (e.g. another worker's) into this one and returns this. */
    public BnMoments merge(BnMoments other) {
        if (other != null) {
            other.layers.forEach((name, m) -> layer(name, m.channels()).merge(m));
        }
        return this;
    }

    public Map<String, ChannelMoments> layers() {
        return Collections.unmodifiableMap(layers);
    }

    public boolean isEmpty() {
        return layers.isEmpty();
    }
}
