"""DataStream API: a Python map declared with output type Types.LONG() (epoch
milliseconds) returns the ISO timestamp string it was meant to convert."""
from datetime import datetime

from pyflink.common import Types
from pyflink.datastream import StreamExecutionEnvironment


def to_epoch_millis(event):
    ts = datetime.fromisoformat(event.split(",")[1])
    return ts.isoformat(timespec="milliseconds")   # meant: int(ts.timestamp() * 1000)


def main():
    env = StreamExecutionEnvironment.get_execution_environment()
    events = env.from_collection(
        ["click,2024-05-01T10:00:00+00:00", "view,2024-05-01T10:00:02+00:00"],
        type_info=Types.STRING())
    events.map(to_epoch_millis, output_type=Types.LONG()).name("to-epoch-millis").print()
    env.execute("event-times")


if __name__ == "__main__":
    main()
