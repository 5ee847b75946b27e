import journal from './meta/_journal.json';
import m0000 from './0000_adopt_hand_made_schema.sql';
import m0001 from './0001_removed_members.sql';
import m0002 from './0002_log_entries.sql';

  export default {
    journal,
    migrations: {
      m0000,
m0001,
m0002
    }
  }
  