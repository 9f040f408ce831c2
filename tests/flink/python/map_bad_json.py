"""DataStream API: a Python map parses each sensor reading (a JSON line);
one line is not JSON at all (json.JSONDecodeError in the map)."""
import json

from pyflink.common import Types
from pyflink.datastream import StreamExecutionEnvironment


def parse_reading(line):
    reading = json.loads(line)
    return reading["sensor"], float(reading["celsius"])


def main():
    env = StreamExecutionEnvironment.get_execution_environment()
    lines = env.from_collection(
        ['{"sensor": "s-1", "celsius": 21.5}',
         '{"sensor": "s-2", "celsius": 19.0}',
         'sensor=s-3;celsius=22.1',
         '{"sensor": "s-4", "celsius": 20.4}'],
        type_info=Types.STRING())
    lines.map(parse_reading, output_type=Types.TUPLE([Types.STRING(), Types.DOUBLE()])) \
        .name("parse-reading").print()
    env.execute("sensor-readings")


if __name__ == "__main__":
    main()
