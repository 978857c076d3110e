package io.mkcnn.data;

import java.util.List;

/** The classes a data set's labels number: CIFAR-10's ten, or CIFAR-100's hundred fine or twenty coarse ones. */
public enum LabelSet {
    CIFAR10(CifarFormat.CLASS_NAMES),
    CIFAR100_FINE(List.of("apple", "aquarium_fish", "baby", "bear", "beaver", "bed", "bee", "beetle", "bicycle",
            "bottle", "bowl", "boy", "bridge", "bus", "butterfly", "camel", "can", "castle", "caterpillar", "cattle",
            "chair", "chimpanzee", "clock", "cloud", "cockroach", "couch", "crab", "crocodile", "cup", "dinosaur",
            "dolphin", "elephant", "flatfish", "forest", "fox", "girl", "hamster", "house", "kangaroo", "keyboard",
            "lamp", "lawn_mower", "leopard", "lion", "lizard", "lobster", "man", "maple_tree", "motorcycle",
            "mountain", "mouse", "mushroom", "oak_tree", "orange", "orchid", "otter", "palm_tree", "pear",
            "pickup_truck", "pine_tree", "plain", "plate", "poppy", "porcupine", "possum", "rabbit", "raccoon", "ray",
            "road", "rocket", "rose", "sea", "seal", "shark", "shrew", "skunk", "skyscraper", "snail", "snake",
            "spider", "squirrel", "streetcar", "sunflower", "sweet_pepper", "table", "tank", "telephone",
            "television", "tiger", "tractor", "train", "trout", "tulip", "turtle", "wardrobe", "whale", "willow_tree",
            "wolf", "woman", "worm")),
    CIFAR100_COARSE(List.of("aquatic_mammals", "fish", "flowers", "food_containers", "fruit_and_vegetables",
            "household_electrical_devices", "household_furniture", "insects", "large_carnivores",
            "large_man-made_outdoor_things", "large_natural_outdoor_scenes", "large_omnivores_and_herbivores",
            "medium_mammals", "non-insect_invertebrates", "people", "reptiles", "small_mammals", "trees",
            "vehicles_1", "vehicles_2"));

    /** The most classes any set has: labels are below this. */
    public static final int MAX_CLASSES = 100;

    private final List<String> names;

    LabelSet(List<String> names) {
        this.names = names;
    }

    /** Class names in label order. */
    public List<String> names() {
        return names;
    }

    public int size() {
        return names.size();
    }

    /** The name of {@code label}, or the number itself when this set has no such label. */
    public String name(int label) {
        return label >= 0 && label < names.size() ? names.get(label) : Integer.toString(label);
    }

    /**
     * The set a network's output of {@code classes} scores belongs to.
     *
     * @throws IllegalArgumentException when no set has that many classes
     */
    public static LabelSet ofClasses(int classes) {
        for (LabelSet s : values()) {
            if (s.size() == classes) {
                return s;
            }
        }
        throw new IllegalArgumentException("no label set has " + classes + " classes (CIFAR-10: 10, CIFAR-100: 100 "
                + "fine or 20 coarse)");
    }
}
