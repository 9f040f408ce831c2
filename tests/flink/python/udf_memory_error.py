"""Table API: a Python scalar UDF decodes length-prefixed binary frames (an 8-byte
big-endian length, then the body) into a buffer of the announced size; one frame's
header is corrupt and announces about 2^62 bytes: the buffer cannot be allocated
(MemoryError in the UDF)."""
from pyflink.table import DataTypes, EnvironmentSettings, TableEnvironment
from pyflink.table.udf import udf


@udf(result_type=DataTypes.STRING())
def frame_body(frame):
    length = int.from_bytes(frame[:8], "big")
    body = bytearray(length)
    body[:len(frame) - 8] = frame[8:]
    return body.decode("utf-8")


def frame(text):
    return bytearray(len(text).to_bytes(8, "big") + text.encode("utf-8"))


def main():
    t_env = TableEnvironment.create(EnvironmentSettings.in_streaming_mode())
    frames = t_env.from_elements(
        [(1, frame("order=1001")), (2, frame("order=1002")),
         (3, bytearray(b"\x3f\xff\xff\xff\x00\x00\x00\x0aorder=1003")), (4, frame("order=1004"))],
        DataTypes.ROW([DataTypes.FIELD("seq", DataTypes.BIGINT()),
                       DataTypes.FIELD("frame", DataTypes.BYTES())]))
    t_env.create_temporary_system_function("frame_body", frame_body)
    t_env.create_temporary_view("frames", frames)
    t_env.execute_sql("CREATE TABLE bodies (seq BIGINT, body STRING) WITH ('connector' = 'blackhole')")
    t_env.execute_sql("INSERT INTO bodies SELECT seq, frame_body(frame) FROM frames")


if __name__ == "__main__":
    main()
